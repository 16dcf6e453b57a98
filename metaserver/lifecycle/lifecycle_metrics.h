// Metrics of retention and of the partition lifecycle (docs/metrics.md):
//   mq_retention_runs_total{result}                 cleaner runs as the active cleaner: ok, error
//   mq_retention_deleted_messages_total{topic}      messages removed by retention (offsets the
//                                                   start offset moved over)
//   mq_retention_segments_dropped_total             table segments dropped (DROP PARTITION)
//   mq_retention_rows_deleted_total                 rows removed by chunked DELETEs
//   mq_retention_partition_errors_total             partitions a run could not clean
//   mq_retention_active                             1 while this metaserver holds the lease
//   mq_retention_last_run_seconds                   duration of the last run
//   mq_consumer_offset_resets_total{group,topic}    committed offsets moved by retention
//   mq_lifecycle_runs_total{result}                 lifecycle task runs: ok, error
//   mq_partitions_retired_total                     read-only partitions retired
//   mq_partition_tables_dropped_total               tables dropped after the grace period
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>

namespace mq {

class LifecycleMetrics {
 public:
  explicit LifecycleMetrics(prometheus::Registry& registry);

  void retentionRun(bool ok, double seconds);
  void retentionActive(bool active) { retention_active_.Set(active ? 1 : 0); }
  void deletedMessages(const std::string& topic, int64_t count);
  void segmentsDropped(int64_t count) { segments_dropped_.Increment(static_cast<double>(count)); }
  void rowsDeleted(int64_t count) { rows_deleted_.Increment(static_cast<double>(count)); }
  void partitionError() { partition_errors_.Increment(); }
  void offsetReset(const std::string& group, const std::string& topic);
  void lifecycleRun(bool ok);
  void partitionRetired() { retired_.Increment(); }
  void tableDropped() { tables_dropped_.Increment(); }

 private:
  prometheus::Family<prometheus::Counter>& retention_runs_;
  prometheus::Family<prometheus::Counter>& deleted_messages_;
  prometheus::Counter& segments_dropped_;
  prometheus::Counter& rows_deleted_;
  prometheus::Counter& partition_errors_;
  prometheus::Gauge& retention_active_;
  prometheus::Gauge& last_run_seconds_;
  prometheus::Family<prometheus::Counter>& offset_resets_;
  prometheus::Family<prometheus::Counter>& lifecycle_runs_;
  prometheus::Counter& retired_;
  prometheus::Counter& tables_dropped_;
};

}  // namespace mq
