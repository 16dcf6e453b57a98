#include "perf/workload_result.h"

#include <fmt/format.h>

#include <functional>

namespace mq::perf {
namespace {

double ms(int64_t us) { return static_cast<double>(us) / 1000.0; }

// The quantiles OMB reports, with the suffix of its field names.
struct Quantile {
  const char* suffix;
  double q;
};
constexpr Quantile kQuantiles[] = {{"50pct", 0.5},  {"75pct", 0.75},   {"95pct", 0.95},
                                   {"99pct", 0.99}, {"999pct", 0.999}, {"9999pct", 0.9999}};

// Avg, the quantiles and Max of `h` in OMB's order, scaled by `scale` (1 = microseconds,
// 1/1000 = milliseconds).
std::vector<std::pair<std::string, double>> stats(const client::Histogram& h, double scale) {
  std::vector<std::pair<std::string, double>> out;
  out.emplace_back("Avg", h.mean() * scale);
  for (const auto& quantile : kQuantiles) {
    out.emplace_back(quantile.suffix, static_cast<double>(h.percentile(quantile.q)) * scale);
  }
  out.emplace_back("Max", static_cast<double>(h.max()) * scale);
  return out;
}

// Adds the per-window arrays `<prefix>Avg`, `<prefix>50pct`, ... `<prefix>Max`.
void addWindowArrays(JsonLine& json, const std::string& prefix,
                     const std::vector<WorkloadWindow>& windows,
                     const std::function<const client::Histogram&(const WorkloadWindow&)>& pick,
                     double scale) {
  std::vector<std::pair<std::string, std::vector<double>>> columns;
  for (const auto& [suffix, value] : stats(client::Histogram(), scale)) {
    (void)value;
    columns.emplace_back(suffix, std::vector<double>());
  }
  for (const auto& window : windows) {
    auto values = stats(pick(window), scale);
    for (size_t i = 0; i < values.size(); ++i) columns[i].second.push_back(values[i].second);
  }
  for (const auto& [suffix, values] : columns) json.reals(prefix + suffix, values);
}

void addAggregated(JsonLine& json, const std::string& prefix, const client::Histogram& h,
                   double scale) {
  for (const auto& [suffix, value] : stats(h, scale)) json.real(prefix + suffix, value);
}

std::string latencyMs(const client::Histogram& h) {
  return fmt::format("avg {:.1f} - 50% {:.1f} - 99% {:.1f} - 99.9% {:.1f} - Max {:.1f}",
                     h.mean() / 1000.0, ms(h.percentile(0.5)), ms(h.percentile(0.99)),
                     ms(h.percentile(0.999)), ms(h.max()));
}

std::string aggregatedMs(const client::Histogram& h) {
  return fmt::format(
      "avg {:.1f} - 50% {:.1f} - 75% {:.1f} - 95% {:.1f} - 99% {:.1f} - 99.9% {:.1f} - Max "
      "{:.1f}",
      h.mean() / 1000.0, ms(h.percentile(0.5)), ms(h.percentile(0.75)), ms(h.percentile(0.95)),
      ms(h.percentile(0.99)), ms(h.percentile(0.999)), ms(h.max()));
}

}  // namespace

std::string windowLine(const WorkloadWindow& w) {
  const client::Histogram& delay = w.publish_delay_us;
  return fmt::format(
      "Pub rate {:.1f} msg/s / {:.1f} MB/s | Pub err {:.1f} err/s | Cons rate {:.1f} msg/s / "
      "{:.1f} MB/s | Backlog {:.1f} K | Pub Latency (ms) {} | Pub Delay (us) avg {:.0f} - 50% {} "
      "- 99% {} - 99.9% {} - Max {} | E2E Latency (ms) 50% {:.1f} - 99% {:.1f}",
      w.publish_rate, w.publish_mb_per_sec, w.publish_error_rate, w.consume_rate,
      w.consume_mb_per_sec, static_cast<double>(w.backlog) / 1000.0,
      latencyMs(w.publish_latency_us), delay.mean(), delay.percentile(0.5), delay.percentile(0.99),
      delay.percentile(0.999), delay.max(), ms(w.end_to_end_us.percentile(0.5)),
      ms(w.end_to_end_us.percentile(0.99)));
}

std::string aggregatedLines(const WorkloadOutcome& o) {
  const client::Histogram& delay = o.publish_delay_us;
  return fmt::format(
      "Aggregated Pub Latency (ms) {}\n"
      "Aggregated Pub Delay (us) avg {:.0f} - 50% {} - 75% {} - 95% {} - 99% {} - 99.9% {} - "
      "Max {}\n"
      "Aggregated E2E Latency (ms) {}",
      aggregatedMs(o.publish_latency_us), delay.mean(), delay.percentile(0.5),
      delay.percentile(0.75), delay.percentile(0.95), delay.percentile(0.99),
      delay.percentile(0.999), delay.max(), aggregatedMs(o.end_to_end_us));
}

JsonLine workloadResultJson(const WorkloadSpec& spec, const WorkloadOutcome& outcome,
                            const JsonLine& mq) {
  constexpr double kMs = 1.0 / 1000.0;  // microseconds -> milliseconds
  JsonLine json;
  json.text("workload", spec.name)
      .text("driver", "mq")
      .number("messageSize", spec.message_size)
      .number("topics", spec.topics)
      .number("partitions", spec.partitions_per_topic)
      .number("producersPerTopic", spec.producers_per_topic)
      .number("consumersPerTopic", spec.consumer_per_subscription);
  std::vector<double> publish_rate, publish_error_rate, consume_rate, backlog;
  for (const auto& window : outcome.windows) {
    publish_rate.push_back(window.publish_rate);
    publish_error_rate.push_back(window.publish_error_rate);
    consume_rate.push_back(window.consume_rate);
    backlog.push_back(static_cast<double>(window.backlog));
  }
  json.reals("publishRate", publish_rate)
      .reals("publishErrorRate", publish_error_rate)
      .reals("consumeRate", consume_rate)
      .reals("backlog", backlog);
  addWindowArrays(
      json, "publishLatency", outcome.windows,
      [](const WorkloadWindow& w) -> const client::Histogram& { return w.publish_latency_us; },
      kMs);
  addWindowArrays(
      json, "publishDelayLatency", outcome.windows,
      [](const WorkloadWindow& w) -> const client::Histogram& { return w.publish_delay_us; }, 1.0);
  addWindowArrays(
      json, "endToEndLatency", outcome.windows,
      [](const WorkloadWindow& w) -> const client::Histogram& { return w.end_to_end_us; }, kMs);
  addAggregated(json, "aggregatedPublishLatency", outcome.publish_latency_us, kMs);
  addAggregated(json, "aggregatedPublishDelayLatency", outcome.publish_delay_us, 1.0);
  addAggregated(json, "aggregatedEndToEndLatency", outcome.end_to_end_us, kMs);
  json.object("mq", mq);
  return json;
}

}  // namespace mq::perf
