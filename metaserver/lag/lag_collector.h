// The lag collector: every lag-interval, in the one metaserver that holds the
// `lag-collector` lease (metaserver/store/lease_store.h), it computes for every consumer group the
// lag of every partition it committed an offset for or subscribes to, the partitions' statuses over
// a window of their last commits (lag_status.h), publishes an immutable LagSnapshot for /metrics
// and the HTTP API, and evaluates the alert rules (alert_service.h).
//
// Cost per cycle grows with the number of datanodes, not partitions: the lease (2 queries),
// the topology version (1; the topology is re-read only when it changed), groups, members
// and committed offsets (3), and per datanode, in parallel, one query for the bounds of all
// its partitions and one UNION ALL query of primary-key lookups for the append times of the
// first unconsumed messages (one more per kMaxTablesPerLookup tables).
//
// A metaserver that does not hold the lease stands by: snapshot() is null and it retries
// the lease every cycle. It takes over at most lag-lease after the active one stopped
// renewing (at once after a clean shutdown, which releases the lease).
#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/lag/alert_service.h"
#include "metaserver/lag/lag_collector_config.h"
#include "metaserver/lag/lag_history.h"
#include "metaserver/lag/lag_snapshot.h"
#include "metaserver/periodic_task.h"
#include "metaserver/store/lease_store.h"
#include "storage/db_pool.h"
#include "storage/meta_store.h"

namespace mq {

inline constexpr const char* kLagCollectorLease = "lag-collector";

struct LagCollectorStats {
  bool active = false;
  double last_cycle_seconds = 0;  // the last cycle as the active collector, alerts included
  int last_queries = 0;           // SQL statements of that cycle
  uint64_t cycles = 0;            // completed as the active collector
  uint64_t failed_cycles = 0;
};

class LagCollector {
 public:
  // `holder` identifies this process in the lease table (e.g. "127.0.0.1:9180#1234").
  // `alerts` may be null (no alert evaluation).
  LagCollector(LagCollectorConfig config, MetaStore& meta, DbPool& meta_pool,
               DatanodeRegistry& datanodes, AlertService* alerts, std::string holder);
  ~LagCollector();

  void start() { task_.start(); }
  // Stops the cycles and releases the lease if held. Idempotent.
  void stop();

  // One cycle: take or renew the lease, then (when held) collect, publish and evaluate
  // alerts. Throws on metadata database errors (the task logs them). Not thread-safe: the
  // task's thread calls it (tests may call it directly without start()).
  void runOnce();

  // The last cycle's result; null while standing by or before the first cycle.
  std::shared_ptr<const LagSnapshot> snapshot() const;
  LagCollectorStats stats() const;
  // The recent snapshots as series for charts (empty while standing by).
  const LagHistory& history() const { return history_; }
  const std::string& holder() const { return holder_; }
  // Who holds the lease now (reads the metadata database); nullopt when nobody ever did.
  std::optional<LeaseHolder> leaseHolder();

  // Renders the snapshot as mq_consumer_group_* and mq_partition_* metrics, plus
  // mq_lag_collector_* (see docs/metrics.md).
  std::shared_ptr<prometheus::Collectable> metrics();

 private:
  struct PartitionState {
    explicit PartitionState(size_t window) : window(window) {}
    CommitWindow window;
    double last_lag_seconds = 0;
    uint64_t seen_cycle = 0;  // the last cycle that evaluated it
  };
  struct IndexedPartition {
    const TopicRecord* topic;
    const PartitionRecord* record;
  };

  // Builds the snapshot; adds the statements it ran to `*queries`.
  std::shared_ptr<LagSnapshot> collect(int64_t now_ms, int* queries);
  // Re-reads the topology when its version changed, and re-indexes it.
  void refreshTopology(int* queries);
  void standBy();

  const LagCollectorConfig config_;
  MetaStore& meta_;
  DbPool& meta_pool_;
  DatanodeRegistry& datanodes_;
  AlertService* alerts_;
  const std::string holder_;
  LeaseStore leases_;

  // Owned by the cycle thread.
  Topology topology_;
  // Every partition of the topology, by topic name then partition, and where each topic's
  // partitions start in it: per-cycle work is done on vectors indexed like this.
  std::vector<IndexedPartition> index_;
  std::unordered_map<std::string, size_t> topic_start_;
  // Commit windows by group, then partition table (the table names the topic's id, so a
  // re-created topic starts with an empty window).
  std::unordered_map<std::string, std::unordered_map<std::string, PartitionState>> partitions_;
  uint64_t cycle_ = 0;
  bool active_ = false;

  mutable std::mutex mutex_;  // guards snapshot_ and stats_
  std::shared_ptr<const LagSnapshot> snapshot_;
  LagCollectorStats stats_;
  std::shared_ptr<prometheus::Collectable> metrics_;
  LagHistory history_;
  PeriodicTask task_;
};

}  // namespace mq
