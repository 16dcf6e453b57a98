#include "perf/summary.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <cmath>
#include <iostream>

#include "common/json_writer.h"
#include "common/log.h"

namespace mq::perf {

void JsonLine::key(std::string_view name) {
  if (!body_.empty()) body_ += ',';
  appendJsonString(body_, name);
  body_ += ':';
}

JsonLine& JsonLine::number(std::string_view name, int64_t value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

namespace {

// Finite values with up to 3 decimals (12.500 -> 12.5, 3.000 -> 3); NaN and infinities null.
std::string jsonReal(double value) {
  if (!std::isfinite(value)) return "null";
  std::string text = fmt::format("{:.3f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text;
}

}  // namespace

JsonLine& JsonLine::real(std::string_view name, double value) {
  key(name);
  body_ += jsonReal(value);
  return *this;
}

JsonLine& JsonLine::reals(std::string_view name, const std::vector<double>& values) {
  key(name);
  body_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body_ += ',';
    body_ += jsonReal(values[i]);
  }
  body_ += ']';
  return *this;
}

JsonLine& JsonLine::boolean(std::string_view name, bool value) {
  key(name);
  body_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::text(std::string_view name, std::string_view value) {
  key(name);
  appendJsonString(body_, value);
  return *this;
}

JsonLine& JsonLine::object(std::string_view name, const JsonLine& value) {
  key(name);
  body_ += value.str();
  return *this;
}

double processCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

JsonLine summaryJson(const Summary& s) {
  const double seconds = s.seconds > 0 ? s.seconds : 0;
  const double rate = seconds > 0 ? static_cast<double>(s.messages) / seconds : 0;
  const double mib = seconds > 0 ? static_cast<double>(s.bytes) / (1 << 20) / seconds : 0;
  auto ms = [](int64_t us) { return static_cast<double>(us) / 1000.0; };
  JsonLine json;
  json.text("mode", s.mode)
      .number("messages", s.messages)
      .number("errors", s.errors)
      .real("seconds", seconds)
      .real("messages_per_sec", rate)
      .real("mb_per_sec", mib)
      .real("p50_ms", ms(s.latency_us.percentile(0.50)))
      .real("p99_ms", ms(s.latency_us.percentile(0.99)))
      .real("p999_ms", ms(s.latency_us.percentile(0.999)))
      .real("max_ms", ms(s.latency_us.max()))
      .number("latency_samples", static_cast<int64_t>(s.latency_us.count()))
      .text("latency", s.latency)
      .real("client_cpu_seconds", processCpuSeconds());
  return json;
}

JsonLine settingsJson(const PerfConfig& c) {
  JsonLine json;
  json.text("metaserver", c.metaserver)
      .text("brokers", fmt::format("{}", fmt::join(c.brokers, ",")))
      .text("consumer_brokers", fmt::format("{}", fmt::join(c.consumer_brokers, ",")))
      .text("topic", c.topic)
      .number("partitions", c.partitions)
      .number("message_size", c.message_size)
      .number("count", c.count)
      .real("duration", c.byCount() ? 0.0 : c.durationOrDefault())
      .number("producers", c.producers)
      .boolean("shared_producer", c.shared_producer)
      .number("consumers", c.consumers)
      .number("batch", c.batch)
      .number("linger_ms", c.linger_ms)
      .boolean("adaptive_linger", !c.fixed_linger)
      .boolean("send_on_caller", !c.send_via_sender)
      .boolean("sync", c.sync)
      .boolean("keyed", c.keyed)
      .boolean("idempotent", c.idempotent)
      .number("max_in_flight", c.max_in_flight)
      .number("buffer_messages", c.buffer_messages)
      .real("rate", c.rate)
      .boolean("raw_paced", c.raw_paced)
      .number("idle_timeout_ms", c.idle_timeout_ms)
      .text("append", c.raw_append)
      .number("tables_per_txn", c.tables_per_txn)
      .number("tail_readers", c.tail_readers)
      .text("workload_file", c.workload_file)
      .real("report_interval", c.report_interval_s)
      .text("output", c.output);
  return json;
}

void printSummaryLine(const JsonLine& line) { std::cout << line.str() << std::endl; }

JsonLine stagesJson(const client::ProducerStages& stages) {
  auto stage = [](const client::ProducerStages::Stage& s) {
    JsonLine line;
    line.number("count", static_cast<int64_t>(s.count))
        .real("mean_ms", s.mean_ms)
        .real("p50_ms", s.p50_ms)
        .real("p99_ms", s.p99_ms)
        .real("max_ms", s.max_ms);
    return line;
  };
  JsonLine json;
  json.object("buffered", stage(stages.buffered)).object("request", stage(stages.request));
  return json;
}

}  // namespace mq::perf
