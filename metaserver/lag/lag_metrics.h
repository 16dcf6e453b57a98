// The lag collector's metrics, rendered from its latest snapshot at every scrape (so a
// group or partition that disappears leaves no stale series):
//   mq_consumer_group_lag{group,topic,partition}               gauge, messages
//   mq_consumer_group_lag_seconds{group,topic,partition}       gauge
//   mq_consumer_group_committed_offset{group,topic,partition}  gauge (committed only)
//   mq_consumer_group_partition_status{group,topic,partition}  gauge, LagStatus code
//   mq_consumer_group_status{group}                            gauge, 1 OK, 2 WARN, 3 ERR
//   mq_consumer_group_members{group}                           gauge
//   mq_partition_start_offset{topic,partition}                 gauge
//   mq_partition_end_offset{topic,partition}                   gauge
//   mq_lag_collector_active                                    gauge, 1 when holding the lease
//   mq_lag_collector_cycle_seconds                             gauge, the last cycle
//   mq_lag_collector_cycle_queries                             gauge, its SQL statements
//   mq_lag_collector_cycles_total{result}                      counter, ok / error
// Only the active collector exports the consumer-group and partition series.
#pragma once

#include <prometheus/collectable.h>

#include <vector>

namespace mq {

class LagCollector;

class LagMetrics : public prometheus::Collectable {
 public:
  explicit LagMetrics(const LagCollector& collector) : collector_(collector) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const LagCollector& collector_;
};

}  // namespace mq
