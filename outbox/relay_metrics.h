// mq-outbox-relay's Prometheus metrics, refreshed from OutboxRelay::stats() (the relay
// library itself has no metrics code). Names and meanings in docs/outbox.md.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

#include "mq/outbox.h"

namespace mq {

class RelayMetrics {
 public:
  RelayMetrics(prometheus::Registry& registry, const std::string& relay_name);

  // Brings the metrics up to `stats` (counters only move forward).
  void update(const OutboxRelayStats& stats);

 private:
  struct Count {
    prometheus::Counter* counter;
    int64_t OutboxRelayStats::*field;
    int64_t seen;
  };
  std::vector<Count> counts_;
  prometheus::Gauge* failed_rows_;
  prometheus::Gauge* claim_buckets_;
  prometheus::Gauge* oldest_pending_;
};

}  // namespace mq
