// The datanode watchdog (docs/operations.md, "Automatic failover"): every
// failover-check-interval, in the one metaserver that holds the `datanode-failover` lease,
//   - checks every datanode's primary (connect, read_only, semi-sync status; metrics);
//   - when a primary with a registered replica failed every check for failover-detection,
//     or its datanode was left fenced by a failover that did not finish, fails it over
//     (DatanodeFailover) to the most caught-up reachable replica by received GTID;
//   - sets every stale former primary (datanode_replicas state `stale`) read_only and ends
//     its datanode-user sessions whenever it answers with read_only off (a paused primary
//     that resumes). Brokers never acknowledge a write there anyway (the epoch check);
//     this keeps anything else from writing to it.
// A metaserver that does not hold the lease stands by and retries it every interval.
// Checks use connections of their own with short timeouts (1 s connect, 2 s reads).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "metaserver/datanodes/datanode_failover.h"
#include "metaserver/datanodes/failover_config.h"
#include "metaserver/datanodes/failover_metrics.h"
#include "metaserver/periodic_task.h"
#include "metaserver/store/lease_store.h"
#include "storage/datanode_replica_store.h"
#include "storage/db_pool.h"
#include "storage/meta_store.h"

namespace mq {

inline constexpr const char* kFailoverLease = "datanode-failover";

class DatanodeWatchdog {
 public:
  // `holder` identifies this process in the lease table.
  DatanodeWatchdog(FailoverConfig config, MetaStore& meta, DbPool& meta_pool,
                   DatanodeFailover& failover, FailoverMetrics& metrics, std::string holder);
  ~DatanodeWatchdog();

  void start() { task_.start(); }
  // Stops the checks and releases the lease if held. Idempotent.
  void stop();

  // One round of checks (what the task runs); public for tests.
  void runOnce();

 private:
  struct PrimaryState {
    int64_t failing_since_ms = 0;  // 0 = the last check answered
    std::string address;           // the primary the state is about
  };

  // A one-connection pool to host:port with short timeouts, kept per address.
  DbPool& checkPool(const DbTarget& target);
  // Checks datanode `record`'s primary; true when it answered.
  bool checkPrimary(const DatanodeRecord& record);
  // The replica to promote: the reachable one that received the most, or "" if none.
  std::string bestReplica(const DatanodeRecord& record,
                          const std::vector<DatanodeReplicaRecord>& replicas);
  void failOver(const DatanodeRecord& record, const std::string& to, int64_t failing_since_ms);
  void fenceStale(const DatanodeRecord& record, const DatanodeReplicaRecord& stale);

  const FailoverConfig config_;
  MetaStore& meta_;
  DatanodeReplicaStore replicas_;
  DatanodeFailover& failover_;
  FailoverMetrics& metrics_;
  const std::string holder_;
  LeaseStore leases_;
  bool active_ = false;
  std::map<int, PrimaryState> primaries_;                 // by datanode id; task thread only
  std::map<std::string, std::unique_ptr<DbPool>> pools_;  // by address; task thread only
  PeriodicTask task_;
};

// Compares two GTID positions (`domain-server-seq` lists): the sum over domains of how far
// `a` is ahead of `b` (negative: behind). Used to pick the most caught-up replica.
int64_t gtidDistance(const std::string& a, const std::string& b);

}  // namespace mq
