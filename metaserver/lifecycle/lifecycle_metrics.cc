#include "metaserver/lifecycle/lifecycle_metrics.h"

namespace mq {
namespace {

prometheus::Counter& plainCounter(prometheus::Registry& registry, const std::string& name,
                                  const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& plainGauge(prometheus::Registry& registry, const std::string& name,
                              const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

LifecycleMetrics::LifecycleMetrics(prometheus::Registry& registry)
    : retention_runs_(prometheus::BuildCounter()
                          .Name("mq_retention_runs_total")
                          .Help("Retention cleaner runs as the active cleaner, by result (ok, "
                                "error).")
                          .Register(registry)),
      deleted_messages_(prometheus::BuildCounter()
                            .Name("mq_retention_deleted_messages_total")
                            .Help("Messages removed by retention, by topic.")
                            .Register(registry)),
      segments_dropped_(plainCounter(registry, "mq_retention_segments_dropped_total",
                                     "Partition table segments dropped by retention.")),
      rows_deleted_(plainCounter(registry, "mq_retention_rows_deleted_total",
                                 "Rows removed by retention's chunked DELETEs.")),
      partition_errors_(plainCounter(registry, "mq_retention_partition_errors_total",
                                     "Partitions a retention run could not clean.")),
      retention_active_(plainGauge(registry, "mq_retention_active",
                                   "1 while this metaserver holds the retention cleaner lease.")),
      last_run_seconds_(plainGauge(registry, "mq_retention_last_run_seconds",
                                   "Duration of the last retention run as the active cleaner.")),
      offset_resets_(prometheus::BuildCounter()
                         .Name("mq_consumer_offset_resets_total")
                         .Help("Committed offsets moved because retention removed the messages "
                               "they pointed at, by group and topic.")
                         .Register(registry)),
      lifecycle_runs_(prometheus::BuildCounter()
                          .Name("mq_lifecycle_runs_total")
                          .Help("Partition lifecycle runs as the active task, by result (ok, "
                                "error).")
                          .Register(registry)),
      retired_(plainCounter(registry, "mq_partitions_retired_total",
                            "Read-only partitions retired after every group consumed them.")),
      tables_dropped_(plainCounter(registry, "mq_partition_tables_dropped_total",
                                   "Partition tables dropped after the grace period.")) {}

void LifecycleMetrics::retentionRun(bool ok, double seconds) {
  retention_runs_.Add({{"result", ok ? "ok" : "error"}}).Increment();
  last_run_seconds_.Set(seconds);
}

void LifecycleMetrics::deletedMessages(const std::string& topic, int64_t count) {
  if (count > 0) deleted_messages_.Add({{"topic", topic}}).Increment(static_cast<double>(count));
}

void LifecycleMetrics::offsetReset(const std::string& group, const std::string& topic) {
  offset_resets_.Add({{"group", group}, {"topic", topic}}).Increment();
}

void LifecycleMetrics::lifecycleRun(bool ok) {
  lifecycle_runs_.Add({{"result", ok ? "ok" : "error"}}).Increment();
}

}  // namespace mq
