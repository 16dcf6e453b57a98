#include "outbox/relay_metrics.h"

namespace mq {

RelayMetrics::RelayMetrics(prometheus::Registry& registry, const std::string& relay_name) {
  const std::map<std::string, std::string> labels{{"relay", relay_name}};
  auto counter = [&](const char* name, const char* help, int64_t OutboxRelayStats::*field) {
    auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(registry);
    counts_.push_back(Count{&family.Add(labels), field, 0});
  };
  counter("mq_outbox_published_events_total", "Outbox events published (acknowledged by a broker).",
          &OutboxRelayStats::published);
  counter("mq_outbox_published_batches_total", "Partition batches published.",
          &OutboxRelayStats::published_batches);
  counter("mq_outbox_claims_total", "Claim transactions that took rows.",
          &OutboxRelayStats::claims);
  counter("mq_outbox_retried_events_total",
          "Events whose publish was refused and that were put back with a backoff.",
          &OutboxRelayStats::retried);
  counter("mq_outbox_failed_events_total",
          "Events this relay marked failed (see `mqctl outbox failed`).",
          &OutboxRelayStats::failed);
  counter("mq_outbox_recovered_events_total",
          "Events finished for an earlier instance or a dead relay.", &OutboxRelayStats::recovered);
  counter("mq_outbox_takeovers_total", "Dead relays whose claims this relay finished.",
          &OutboxRelayStats::takeovers);
  counter("mq_outbox_publish_errors_total",
          "Produce attempts without a definite answer (re-sent with the same stamp).",
          &OutboxRelayStats::publish_errors);
  failed_rows_ = &prometheus::BuildGauge()
                      .Name("mq_outbox_failed_rows")
                      .Help("Rows with status failed in the outbox table.")
                      .Register(registry)
                      .Add(labels);
  claim_buckets_ = &prometheus::BuildGauge()
                        .Name("mq_outbox_claim_buckets")
                        .Help(
                            "Claim buckets (of 16) this relay claims from; the live relays "
                            "share them.")
                        .Register(registry)
                        .Add(labels);
  oldest_pending_ = &prometheus::BuildGauge()
                         .Name("mq_outbox_oldest_pending_age_seconds")
                         .Help("Age of the oldest pending outbox row (0 when none).")
                         .Register(registry)
                         .Add(labels);
}

void RelayMetrics::update(const OutboxRelayStats& stats) {
  for (auto& count : counts_) {
    const int64_t value = stats.*count.field;
    if (value > count.seen) count.counter->Increment(static_cast<double>(value - count.seen));
    count.seen = std::max(count.seen, value);
  }
  failed_rows_->Set(static_cast<double>(stats.failed_rows));
  claim_buckets_->Set(static_cast<double>(stats.claim_buckets));
  oldest_pending_->Set(static_cast<double>(stats.oldest_pending_ms) / 1000.0);
}

}  // namespace mq
