#include "metaserver/datanodes/datanode_replicas.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <regex>
#include <thread>

#include "common/errors.h"
#include "common/log.h"
#include "metaserver/store/replication_store.h"
#include "storage/db_pool.h"

namespace mq {
namespace {

std::string replicaJson(const std::string& host, int port, const std::string& state) {
  return fmt::format("{{\"host\":\"{}\",\"port\":{},\"state\":\"{}\"}}", host, port, state);
}

void checkAddress(const std::string& host, int port) {
  if (host.empty() || host.size() > 255 ||
      host.find_first_of(" \t\r\n/'\"\\") != std::string::npos) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               "the replica's host must be 1 to 255 characters without spaces or quotes");
  }
  if (port < 1 || port > 65535) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("the replica's port must be 1..65535, got {}", port));
  }
}

// A GTID position: domain-server-sequence, comma-separated per domain ("0-1-4711").
bool validGtidPosition(const std::string& text) {
  static const std::regex kPosition(R"(\d{1,10}-\d{1,10}-\d{1,20}(,\d{1,10}-\d{1,10}-\d{1,20})*)");
  return text.size() <= 1000 && std::regex_match(text, kPosition);
}

// A connection of its own to host:port with the datanode's credentials.
std::unique_ptr<DbPool> replicaPool(const DatanodeRecord& record, const std::string& host,
                                    int port) {
  DbTarget target = record.target;
  target.host = host;
  target.port = port;
  DbPoolOptions options;
  options.max_connections = 1;
  options.connect_timeout_s = 3;
  options.io_timeout_s = 5;
  return std::make_unique<DbPool>(target, options);
}

// How often rebuild points a replica at the primary when its session there is lost.
constexpr int kPointAttempts = 3;

// Waits until the replica on `db` runs both replication threads. When they stop with an
// error, or do not start by `deadline` (`timeout_ms` after the rebuild began), stops its
// replication again and throws naming why.
void awaitReplicating(DbConnection& db, const DatanodeRecord& record, const std::string& replica,
                      const std::string& gtid_position, int64_t timeout_ms,
                      std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const ReplicaStatus status = ReplicationStore::replicaStatus(db);
    if (status.io_running == "Yes" && status.sql_running == "Yes") return;
    const bool failed =
        !status.last_error.empty() || status.sql_running == "No" || status.io_running == "No";
    if (failed || std::chrono::steady_clock::now() >= deadline) {
      ReplicationStore::stopFollowing(db);
      if (failed) {
        throwError(
            rpc::ErrorCode::INVALID_REQUEST,
            fmt::format(
                "{} cannot replicate datanode `{}`'s primary {}:{} from {}: {}", replica,
                record.name, record.target.host, record.target.port, gtid_position,
                status.last_error.empty() ? "its replication threads stopped" : status.last_error));
      }
      throwError(rpc::ErrorCode::TIMEOUT,
                 fmt::format("{} did not connect to datanode `{}`'s primary {}:{} within {} ms "
                             "(Slave_IO_Running {}); replication stopped again",
                             replica, record.name, record.target.host, record.target.port,
                             timeout_ms, status.io_running));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

DatanodeReplicas::DatanodeReplicas(MetaStore& meta, DatanodeReplicaStore& store, AuditTrail& audit)
    : meta_(meta), store_(store), audit_(audit) {}

DatanodeRecord DatanodeReplicas::find(const std::string& name) {
  for (auto& record : meta_.listDatanodes()) {
    if (record.name == name) return record;
  }
  throwError(rpc::ErrorCode::UNKNOWN_DATANODE, fmt::format("no datanode named `{}`", name));
}

DatanodeRecord DatanodeReplicas::add(const std::string& actor, const std::string& name,
                                     const std::string& host, int port) {
  checkAddress(host, port);
  DatanodeRecord record = find(name);
  if (record.target.host == host && record.target.port == port) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{}:{} is datanode `{}`'s primary, not a replica", host, port, name));
  }
  ReplicaStatus status;
  try {
    // The pool outlives the lease: the lease gives its connection back to it.
    auto pool = replicaPool(record, host, port);
    auto db = pool->acquire();
    status = ReplicationStore::replicaStatus(*db);
  } catch (const std::exception& e) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("cannot reach replica {}:{} (database `{}`, user `{}`) of datanode "
                           "`{}`: {}",
                           host, port, record.target.database, record.target.user, name, e.what()));
  }
  if (!status.is_replica) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{}:{} is not a replica (SHOW SLAVE STATUS is empty); make it "
                           "replicate datanode `{}`'s primary {}:{} first",
                           host, port, name, record.target.host, record.target.port));
  }
  AuditTrail::Change change(audit_);
  store_.add(record.id, host, port, kReplicaActive);
  audit_.record(actor, "datanode.add_replica", name, "", replicaJson(host, port, kReplicaActive));
  change.commit();
  logInfo("datanode replica added")
      .kv("datanode", name)
      .kv("replica", fmt::format("{}:{}", host, port))
      .kv("actor", actor);
  return find(name);
}

DatanodeRecord DatanodeReplicas::rebuild(const std::string& actor, const std::string& name,
                                         const std::string& host, int port,
                                         const std::string& gtid_position, const std::string& user,
                                         const std::string& password, int64_t timeout_ms) {
  checkAddress(host, port);
  if (!validGtidPosition(gtid_position)) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("the GTID position must be domain-server-sequence[,...] such as "
                           "0-1-4711 (the third field of the backup's xtrabackup_binlog_info), "
                           "got `{}`",
                           gtid_position.substr(0, 100)));
  }
  if (user.size() > 80 || password.size() > 256 || (user.empty() != password.empty())) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               "give the replication user with its password, or neither (the datanode's own)");
  }
  if (timeout_ms < 1000 || timeout_ms > 600000) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("timeout_ms must be 1000..600000, got {}", timeout_ms));
  }
  DatanodeRecord record = find(name);
  for (const auto& other : meta_.listDatanodes()) {
    if (other.target.host == host && other.target.port == port) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("{}:{} is datanode `{}`'s primary: rebuilding it would replace a "
                             "serving primary",
                             host, port, other.name));
    }
  }
  const std::string replication_user = user.empty() ? record.target.user : user;
  const std::string replication_password = user.empty() ? record.target.password : password;
  const std::string replica = fmt::format("{}:{}", host, port);
  logInfo("datanode replica rebuilding")
      .kv("datanode", name)
      .kv("replica", replica)
      .kv("gtid_position", gtid_position)
      .kv("actor", actor);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  // The failover watchdog fences a stale former primary that answers writable: it ends the
  // datanode user's sessions there, this one included, until followPrimary's first statement
  // makes the server read-only. A session lost that way is retried on a new connection, from
  // the start while the server has no primary yet, else by starting the replication it has
  // (setting its position again would apply twice what it applied since).
  for (int attempt = 1;; ++attempt) {
    try {
      auto pool = replicaPool(record, host, port);
      auto db = pool->acquire();
      if (attempt == 1 || !ReplicationStore::replicaStatus(*db).is_replica) {
        ReplicationStore::followPrimary(*db, record.target.host, record.target.port,
                                        replication_user, replication_password, gtid_position);
      } else {
        ReplicationStore::resumeFollowing(*db);
      }
      awaitReplicating(*db, record, replica, gtid_position, timeout_ms, deadline);
      break;
    } catch (const sql::SQLException& e) {
      if (attempt < kPointAttempts && isTransientDbError(e)) {
        logWarn("lost the session to a rebuilt replica; pointing it at the primary again")
            .kv("datanode", name)
            .kv("replica", replica)
            .kv("error", e.what());
        // A fence ends the sessions twice (before and after read_only): the next connection
        // comes after both.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("cannot point {} at datanode `{}`'s primary {}:{}: {}", replica, name,
                             record.target.host, record.target.port, e.what()));
    }
  }
  try {
    DbPool primary_pool(record.target, DbPoolOptions{});
    auto primary = primary_pool.acquire();
    ReplicationStore::enableSemiSync(*primary);
  } catch (const std::exception& e) {
    // The replica follows; semi-sync stays as it was (mq_datanode_semi_sync shows it).
    logWarn("could not turn semi-sync on at the primary")
        .kv("datanode", name)
        .kv("error", e.what());
  }
  // The replica already follows (not undone by a failed record): recorded after the fact.
  audit_.recordDone(actor, "datanode.rebuild_replica", name, "",
                    fmt::format("{{\"host\":\"{}\",\"port\":{},\"gtid_position\":\"{}\"}}", host,
                                port, gtid_position));
  return add(actor, name, host, port);
}

DatanodeRecord DatanodeReplicas::remove(const std::string& actor, const std::string& name,
                                        const std::string& host, int port) {
  DatanodeRecord record = find(name);
  AuditTrail::Change change(audit_);
  if (!store_.remove(record.id, host, port)) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{}:{} is not a recorded replica of datanode `{}`", host, port, name));
  }
  audit_.record(actor, "datanode.remove_replica", name, replicaJson(host, port, ""), "");
  change.commit();
  return find(name);
}

}  // namespace mq
