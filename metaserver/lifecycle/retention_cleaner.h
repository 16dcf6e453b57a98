// The retention cleaner: every retention-interval, in the one metaserver that holds the
// `retention-cleaner` lease (metaserver/store/lease_store.h), it applies every topic's retention
// (time, and optionally size and count) to each partition that is not retired, through
// RetentionExecutor (retention_executor.h, retention_plan.h): first every partition's
// start_offset is advanced, and every committed offset left below its partition's new start
// offset is moved by the reset policy (retention-offset-reset) and recorded in
// offset_reset_events, never silently; then the expired segments are emptied and dropped,
// segments are added ahead of the log end and rows that must go one by one are deleted, all
// paced so that each table's writers meet a DDL only now and then (retention-ddl-gap,
// retention-ddl-rest-factor), the tables in rotation.
//
// Cost per partition and run: a few primary-key reads (bounds, the oldest message's append
// time; a binary search of ~log2(messages) primary-key probes only when something expired),
// one information_schema read of the table's segments, and the DDL/DELETEs when there is
// work. One metadata query per topic for the committed offsets (index ix_committed_topic).
//
// A metaserver that does not hold the lease stands by and retries it every run.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/lifecycle/lifecycle_config.h"
#include "metaserver/lifecycle/lifecycle_metrics.h"
#include "metaserver/lifecycle/producer_expiry.h"
#include "metaserver/lifecycle/retention_executor.h"
#include "metaserver/periodic_task.h"
#include "metaserver/store/lease_store.h"
#include "storage/db_pool.h"
#include "storage/group_store.h"
#include "storage/meta_store.h"

namespace mq {

inline constexpr const char* kRetentionLease = "retention-cleaner";

struct RetentionRunSummary {
  bool active = false;           // held the lease and ran
  int partitions = 0;            // partitions looked at
  int errors = 0;                // partitions that failed (logged, counted)
  int64_t deleted_messages = 0;  // offsets the start offsets moved over
  int64_t segments_dropped = 0;  // segments emptied (their rows removed)
  int64_t rows_deleted = 0;
  int offset_resets = 0;
};

class RetentionCleaner {
 public:
  // `holder` identifies this process in the lease table. `metrics` may be null.
  RetentionCleaner(LifecycleConfig config, MetaStore& meta, DbPool& meta_pool,
                   DatanodeRegistry& datanodes, LifecycleMetrics* metrics, std::string holder);
  ~RetentionCleaner();

  void start() { task_.start(); }
  // Stops the runs (a chunked delete in progress stops after its current chunk) and releases
  // the lease if held. Idempotent.
  void stop();

  // One run: take or renew the lease, then (when held) clean every partition. Throws on
  // metadata database errors. Not thread-safe: the task's thread calls it (tests may call
  // it directly without start()).
  RetentionRunSummary runOnce();

 private:
  void partitionFailed(RetentionRunSummary& summary, const PartitionRetention& partition,
                       const std::string& error);
  // Moves committed offsets below the start offsets; returns how many.
  int resetCommittedOffsets(const TopicRecord& topic, const std::map<int, PartitionBounds>& bounds);
  // Renews the lease when a third of it has passed; false when it was lost.
  bool keepLease();

  const LifecycleConfig config_;
  MetaStore& meta_;
  DatanodeRegistry& datanodes_;
  LifecycleMetrics* metrics_;
  const std::string holder_;
  LeaseStore leases_;
  GroupStore groups_;
  DbPool& meta_pool_;
  std::atomic<bool> stopping_{false};
  bool active_ = false;
  int64_t lease_renewed_ms_ = 0;
  std::map<std::string, int64_t> last_end_;  // log end per table at its last run
  RetentionExecutor executor_;
  ProducerExpiry producer_expiry_;
  PeriodicTask task_;
};

}  // namespace mq
