#include "metaserver/lifecycle/partition_retirer.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "storage/partition_store.h"

namespace mq {

PartitionRetirer::PartitionRetirer(LifecycleConfig config, MetaStore& meta, DbPool& meta_pool,
                                   DatanodeRegistry& datanodes, PartitionLifecycle& lifecycle,
                                   AuditTrail& audit, LifecycleMetrics* metrics, std::string holder)
    : config_(std::move(config)),
      meta_(meta),
      datanodes_(datanodes),
      lifecycle_(lifecycle),
      audit_(audit),
      metrics_(metrics),
      holder_(std::move(holder)),
      leases_(meta_pool),
      meta_pool_(meta_pool),
      task_("partition lifecycle", std::chrono::milliseconds(config_.lifecycle_interval_ms),
            [this] { runOnce(); }) {}

PartitionRetirer::~PartitionRetirer() { stop(); }

void PartitionRetirer::stop() {
  stopping_ = true;
  task_.stop();
  if (active_) {
    try {
      leases_.release(kLifecycleLease, holder_);
    } catch (const std::exception& e) {
      logWarn("partition lifecycle lease not released").kv("error", e.what());
    }
    active_ = false;
  }
}

LifecycleRunSummary PartitionRetirer::runOnce() {
  LifecycleRunSummary summary;
  const bool held = leases_.acquire(kLifecycleLease, holder_, config_.lease_ms);
  if (held != active_) {
    if (held) {
      logInfo("partition lifecycle task active").kv("holder", holder_);
    } else {
      logWarn("partition lifecycle lease lost; standing by").kv("holder", holder_);
    }
  }
  active_ = held;
  if (!held) return summary;
  summary.active = true;
  bool ok = true;
  try {
    const Topology topology = meta_.loadTopology();
    retireDrained(topology, summary);
    if (!stopping_) dropDueTables(summary);
    if (!stopping_) finishDecommissions(topology, summary);
  } catch (const std::exception& e) {
    ok = false;
    logWarn("partition lifecycle run failed").kv("error", e.what());
  }
  if (metrics_) metrics_->lifecycleRun(ok && summary.errors == 0);
  return summary;
}

void PartitionRetirer::retireDrained(const Topology& topology, LifecycleRunSummary& summary) {
  for (const auto& [name, topic] : topology.topics) {
    std::optional<std::vector<CommittedOffsetRow>> offsets;  // read once per topic
    for (const auto& partition : topic.partitions) {
      if (stopping_) return;
      if (partition.state != "read_only") continue;
      PartitionBounds bounds;
      try {
        auto sealed = lifecycle_.sealReadOnly(partition);
        if (!sealed) continue;  // made writable since the topology was read
        bounds = *sealed;
        ++summary.sealed;
      } catch (const rpc::MqError& e) {
        ++summary.errors;
        logWarn("read-only partition not sealed")
            .kv("topic", name)
            .kv("partition", partition.partition)
            .kv("error", e.message);
        continue;
      }
      if (!offsets) {
        auto db = meta_pool_.acquire();
        offsets = GroupStore::committedOffsets(*db, name);
      }
      const int64_t final_offset = bounds.end_offset;
      std::string behind;
      for (const auto& committed : *offsets) {
        if (committed.partition == partition.partition && committed.offset < final_offset) {
          behind = fmt::format("group `{}` at {}", committed.group_id, committed.offset);
          break;
        }
      }
      if (!behind.empty()) {
        logDebug("read-only partition not drained yet")
            .kv("topic", name)
            .kv("partition", partition.partition)
            .kv("end_offset", final_offset)
            .kv("behind", behind);
        continue;
      }
      const int64_t drop_after = nowMs() + config_.drop_grace_ms;
      if (!meta_.retirePartition(name, partition, final_offset, drop_after)) continue;
      ++summary.retired;
      if (metrics_) metrics_->partitionRetired();
      logInfo("partition retired")
          .kv("topic", name)
          .kv("partition", partition.partition)
          .kv("final_offset", final_offset)
          .kv("table", partition.table_name)
          .kv("drop_after_ms", drop_after);
      audit_.recordDone("partition-lifecycle", "partition.retire",
                        fmt::format("{}/{}", name, partition.partition),
                        "{\"state\":\"read_only\"}",
                        fmt::format("{{\"state\":\"retired\",\"final_offset\":{}}}", final_offset));
    }
  }
}

void PartitionRetirer::dropDueTables(LifecycleRunSummary& summary) {
  const int64_t now = nowMs();
  for (const auto& drop : meta_.pendingTableDrops()) {
    if (stopping_ || drop.drop_after_ms > now) break;  // ordered by drop_after_ms
    try {
      datanodes_.withDatanode(
          drop.datanode_id, "dropping table " + drop.table_name,
          [&](DbConnection& db) { PartitionStore::dropPartition(db, drop.table_name); });
    } catch (const rpc::MqError& e) {
      ++summary.errors;
      logWarn("table drop failed; retried next run")
          .kv("table", drop.table_name)
          .kv("datanode_id", drop.datanode_id)
          .kv("error", e.message);
      continue;
    }
    meta_.markTableDropped(drop.datanode_id, drop.table_name);
    ++summary.tables_dropped;
    if (metrics_) metrics_->tableDropped();
    logInfo("partition table dropped")
        .kv("table", drop.table_name)
        .kv("topic", drop.topic)
        .kv("partition", drop.partition)
        .kv("reason", drop.reason);
  }
}

void PartitionRetirer::finishDecommissions(const Topology& topology, LifecycleRunSummary& summary) {
  std::set<int> draining;
  for (const auto& [id, node] : topology.datanodes) {
    if (node.state == "decommissioning") draining.insert(id);
  }
  if (draining.empty()) return;
  std::map<int, int> remaining;  // partitions not retired, per draining datanode
  for (const auto& [name, topic] : topology.topics) {
    for (const auto& partition : topic.partitions) {
      if (!draining.count(partition.datanode_id) || partition.retired()) continue;
      ++remaining[partition.datanode_id];
      if (partition.state != "active") continue;
      // Created on it before it was marked (a race with the decommission call).
      try {
        lifecycle_.migrateIfActive("partition-lifecycle", name, partition.partition);
      } catch (const rpc::MqError& e) {
        ++summary.errors;
        logWarn("partition on a decommissioning datanode not migrated")
            .kv("topic", name)
            .kv("partition", partition.partition)
            .kv("error", e.message);
      }
    }
  }
  for (const auto& drop : meta_.pendingTableDrops()) ++remaining[drop.datanode_id];
  for (int id : draining) {
    if (remaining[id] > 0) continue;
    if (!meta_.setDatanodeState(id, "decommissioned")) continue;
    ++summary.datanodes_decommissioned;
    const auto& node = topology.datanodes.at(id);
    logInfo("datanode decommissioned").kv("datanode", node.name).kv("id", id);
    audit_.recordDone("partition-lifecycle", "datanode.decommissioned", node.name,
                      "{\"state\":\"decommissioning\"}", "{\"state\":\"decommissioned\"}");
  }
}

}  // namespace mq
