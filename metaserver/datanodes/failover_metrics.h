// Metrics of datanode health checks and automatic failover (docs/metrics.md):
//   mq_datanode_primary_up{datanode}               1 when the last check of the primary
//                                                  answered, 0 when it failed
//   mq_datanode_semi_sync{datanode}                1 while the primary's commits wait for a
//                                                  replica (Rpl_semi_sync_master_status ON),
//                                                  0 when semi-sync is off or fell back to
//                                                  asynchronous: a failover may lose writes
//   mq_datanode_semi_sync_replicas{datanode}       replicas acknowledging semi-sync
//   mq_datanode_failovers_total{datanode,result}   automatic failovers: ok, error
//   mq_datanode_failover_detection_seconds{datanode}  last failover: first failed check to
//                                                  its start
//   mq_datanode_failover_seconds{datanode}         last failover: start to repointed
//   mq_datanode_failover_active                    1 while this metaserver holds the
//                                                  failover watchdog lease
// Only the active metaserver checks; a standby's gauges keep their last values.
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace mq {

class FailoverMetrics {
 public:
  explicit FailoverMetrics(prometheus::Registry& registry);

  void primaryChecked(const std::string& datanode, bool up, bool semi_sync, int semi_sync_replicas);
  void failover(const std::string& datanode, bool ok, double detection_seconds, double seconds);
  void active(bool active) { active_.Set(active ? 1 : 0); }

 private:
  prometheus::Family<prometheus::Gauge>& primary_up_;
  prometheus::Family<prometheus::Gauge>& semi_sync_;
  prometheus::Family<prometheus::Gauge>& semi_sync_replicas_;
  prometheus::Family<prometheus::Counter>& failovers_;
  prometheus::Family<prometheus::Gauge>& detection_seconds_;
  prometheus::Family<prometheus::Gauge>& failover_seconds_;
  prometheus::Gauge& active_;
};

}  // namespace mq
