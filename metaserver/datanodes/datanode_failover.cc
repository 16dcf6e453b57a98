#include "metaserver/datanodes/datanode_failover.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "metaserver/portal/topology_json.h"
#include "metaserver/store/replication_store.h"

namespace mq {
namespace {

std::string address(const DbTarget& target) {
  return fmt::format("{}:{}", target.host, target.port);
}

DbPoolOptions failoverPoolOptions(int io_timeout_s) {
  DbPoolOptions options;
  options.max_connections = 1;
  options.connect_timeout_s = 3;
  options.io_timeout_s = io_timeout_s;
  return options;
}

}  // namespace

DatanodeFailover::DatanodeFailover(MetaStore& meta, DatanodeRegistry& datanodes, AuditTrail& audit,
                                   int64_t broker_timeout_ms)
    : meta_(meta), datanodes_(datanodes), audit_(audit), broker_timeout_ms_(broker_timeout_ms) {}

std::vector<std::string> DatanodeFailover::awaitBrokers(const std::string& datanode,
                                                        int64_t version, int64_t deadline_ms) {
  while (true) {
    std::vector<std::string> confirmed, behind;
    for (const auto& broker : meta_.liveBrokers(broker_timeout_ms_)) {
      (broker.topology_version >= version ? confirmed : behind).push_back(broker.id);
    }
    if (behind.empty()) return confirmed;
    if (nowMs() >= deadline_ms) {
      throwError(rpc::ErrorCode::TIMEOUT,
                 fmt::format("brokers {} did not confirm the fence of datanode `{}` in time; it "
                             "stays fenced (nothing is written to it): run the failover again",
                             fmt::join(behind, ", "), datanode));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

FailoverResult DatanodeFailover::failover(const std::string& actor, const std::string& name,
                                          const std::string& host, int port, int64_t timeout_ms) {
  const int64_t started_ms = nowMs();
  if (timeout_ms <= 0) timeout_ms = 60000;
  const int64_t deadline_ms = started_ms + timeout_ms;
  if (host.empty() || host.size() > 255 || host.find_first_of(" \t\r\n/") != std::string::npos) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               "the replica's host must be 1 to 255 characters without spaces");
  }
  if (port < 1 || port > 65535) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("the replica's port must be 1..65535, got {}", port));
  }
  std::optional<DatanodeRecord> found;
  for (auto& record : meta_.listDatanodes()) {
    if (record.name == name) found = record;
  }
  if (!found) {
    throwError(rpc::ErrorCode::UNKNOWN_DATANODE, fmt::format("no datanode named `{}`", name));
  }
  const DatanodeRecord old = *found;
  DbTarget replica_target = old.target;
  replica_target.host = host;
  replica_target.port = port;
  if (address(replica_target) == address(old.target)) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("datanode `{}` already uses {}", name, address(old.target)));
  }

  // 1. The target must be a replica holding the datanode's database; nothing changes before.
  const int io_timeout_s = static_cast<int>(std::max<int64_t>(timeout_ms / 1000, 1)) + 10;
  DbPool replica(replica_target, failoverPoolOptions(io_timeout_s));
  std::optional<DbPool::Lease> replica_db;
  ReplicaStatus status;
  try {
    replica_db.emplace(replica.acquire());
    status = ReplicationStore::replicaStatus(**replica_db);
  } catch (const std::exception& e) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("cannot use {} (database `{}`) as the new primary of datanode `{}`: {}",
                           address(replica_target), replica_target.database, name, e.what()));
  }
  if (!status.is_replica && old.fenced_ms == 0) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{} is not a replica (SHOW SLAVE STATUS is empty); failover promotes "
                           "a replica of datanode `{}`'s primary {}",
                           address(replica_target), name, address(old.target)));
  }

  // 2. Fence: brokers stop using the datanode, and confirm.
  FailoverResult result;
  result.old_address = address(old.target);
  const int64_t version = meta_.setDatanodeFenced(old.id, true);
  logWarn("datanode fenced for failover")
      .kv("datanode", name)
      .kv("from", result.old_address)
      .kv("to", address(replica_target))
      .kv("actor", actor);
  const int64_t fenced_at_ms = nowMs();
  result.brokers = awaitBrokers(name, version, deadline_ms);
  // A broker that missed the fence (stalled, cut off from the metadata) stops acknowledging
  // writes to the datanode once its write lease runs out (broker/datanode_pools.h).
  const int64_t lease_over_ms = fenced_at_ms + kDatanodeWriteLeaseMs + 100;
  if (nowMs() < lease_over_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(lease_over_ms - nowMs()));
  }
  result.fence_ms = nowMs() - started_ms;

  // 3. The old primary, if it still answers: read-only, its sessions ended, its last GTID.
  std::string target_gtid = status.received_gtid;
  try {
    DbPoolOptions options = failoverPoolOptions(5);
    options.connect_timeout_s = 2;
    DbPool primary(old.target, options);
    auto db = primary.acquire();
    ReplicationStore::fence(*db, old.target.user);
    target_gtid = ReplicationStore::binlogGtid(*db);
    result.old_primary_fenced = true;
  } catch (const std::exception& e) {
    logWarn("old primary does not answer; the replica applies what it received")
        .kv("datanode", name)
        .kv("error", e.what());
  }

  // 4. Catch up, promote, repoint.
  const int64_t catch_up_started = nowMs();
  try {
    if (status.is_replica) {
      if (!result.old_primary_fenced) {
        // Nothing more from the old primary: it can get no more commits acknowledged by this
        // replica, and what the replica received is final.
        ReplicationStore::stopReceiving(**replica_db);
        target_gtid = ReplicationStore::replicaStatus(**replica_db).received_gtid;
      }
      const int wait_s =
          static_cast<int>(std::max<int64_t>((deadline_ms - nowMs() + 999) / 1000, 1));
      if (!ReplicationStore::waitApplied(**replica_db, target_gtid, wait_s)) {
        auto now = ReplicationStore::replicaStatus(**replica_db);
        throwError(
            rpc::ErrorCode::TIMEOUT,
            fmt::format("replica {} did not apply GTID {} in time (applied {}, SQL thread "
                        "{}{}); datanode `{}` stays fenced: run the failover again",
                        address(replica_target), target_gtid, now.applied_gtid, now.sql_running,
                        now.last_error.empty() ? "" : ": " + now.last_error, name));
      }
      result.catch_up_ms = nowMs() - catch_up_started;
      ReplicationStore::promote(**replica_db);
    }
    result.applied_gtid = ReplicationStore::replicaStatus(**replica_db).applied_gtid;
  } catch (const sql::SQLException& e) {
    throwError(rpc::ErrorCode::DATANODE_UNAVAILABLE,
               fmt::format("promoting {} failed: {}; datanode `{}` stays fenced",
                           address(replica_target), e.what(), name));
  }
  meta_.repointDatanode(old.id, host, port);
  datanodes_.reload();
  for (auto& record : meta_.listDatanodes()) {
    if (record.id == old.id) result.record = record;
  }
  result.total_ms = nowMs() - started_ms;
  logWarn("datanode failed over")
      .kv("datanode", name)
      .kv("from", result.old_address)
      .kv("to", address(replica_target))
      .kv("gtid", result.applied_gtid)
      .kv("old_primary_fenced", result.old_primary_fenced)
      .kv("total_ms", result.total_ms);
  audit_.recordDone(actor, "datanode.failover", name, datanodeJson(old),
                    datanodeJson(result.record));
  return result;
}

}  // namespace mq
