// The background half of the partition lifecycle (docs/retention-and-lifecycle.md): every
// lifecycle-interval, in the one metaserver that holds the `partition-lifecycle` lease, it
//   1. seals every read-only partition on its datanode (again: a seal that failed when the
//      partition was made read-only is done here) and reads its final end offset E;
//   2. retires it when every group with a committed offset on it has committed E (or no
//      group has one): state retired, final_offset E, table drop scheduled after
//      partition-drop-grace;
//   3. drops the tables whose grace period is over (retired partitions, deleted topics);
//   4. migrates any partition still active on a decommissioning datanode, and marks such a
//      datanode decommissioned once no active or read-only partition and no table to drop
//      is left on it.
// Retention keeps this from waiting for ever on an abandoned group: once the read-only
// partition's messages expire, its start offset reaches E and the group's offset is reset to
// it. Every step is idempotent, so a run cut short is completed by the next.
#pragma once

#include <atomic>
#include <string>

#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/lifecycle/lifecycle_config.h"
#include "metaserver/lifecycle/lifecycle_metrics.h"
#include "metaserver/lifecycle/partition_lifecycle.h"
#include "metaserver/periodic_task.h"
#include "metaserver/store/lease_store.h"
#include "storage/group_store.h"
#include "storage/meta_store.h"

namespace mq {

inline constexpr const char* kLifecycleLease = "partition-lifecycle";

struct LifecycleRunSummary {
  bool active = false;
  int sealed = 0;
  int retired = 0;
  int tables_dropped = 0;
  int datanodes_decommissioned = 0;
  int errors = 0;
};

class PartitionRetirer {
 public:
  // `metrics` may be null.
  PartitionRetirer(LifecycleConfig config, MetaStore& meta, DbPool& meta_pool,
                   DatanodeRegistry& datanodes, PartitionLifecycle& lifecycle, AuditTrail& audit,
                   LifecycleMetrics* metrics, std::string holder);
  ~PartitionRetirer();

  void start() { task_.start(); }
  // Stops the runs and releases the lease if held. Idempotent.
  void stop();
  // One run (see above). Throws on metadata database errors. Not thread-safe.
  LifecycleRunSummary runOnce();

 private:
  void retireDrained(const Topology& topology, LifecycleRunSummary& summary);
  void dropDueTables(LifecycleRunSummary& summary);
  void finishDecommissions(const Topology& topology, LifecycleRunSummary& summary);

  const LifecycleConfig config_;
  MetaStore& meta_;
  DatanodeRegistry& datanodes_;
  PartitionLifecycle& lifecycle_;
  AuditTrail& audit_;
  LifecycleMetrics* metrics_;
  const std::string holder_;
  LeaseStore leases_;
  DbPool& meta_pool_;
  std::atomic<bool> stopping_{false};
  bool active_ = false;
  PeriodicTask task_;
};

}  // namespace mq
