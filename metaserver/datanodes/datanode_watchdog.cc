#include "metaserver/datanodes/datanode_watchdog.h"

#include <fmt/format.h>

#include <cstdlib>
#include <optional>
#include <sstream>

#include "common/clock.h"
#include "common/log.h"
#include "metaserver/store/replication_store.h"

namespace mq {
namespace {

std::string address(const std::string& host, int port) { return fmt::format("{}:{}", host, port); }

// domain -> sequence number of a GTID position such as "0-1-42,1-2-7".
std::map<int64_t, int64_t> gtidSequences(const std::string& position) {
  std::map<int64_t, int64_t> sequences;
  std::stringstream in(position);
  std::string gtid;
  while (std::getline(in, gtid, ',')) {
    auto first = gtid.find('-');
    auto last = gtid.rfind('-');
    if (first == std::string::npos || last == first) continue;
    int64_t domain = std::atoll(gtid.substr(0, first).c_str());
    sequences[domain] = std::atoll(gtid.substr(last + 1).c_str());
  }
  return sequences;
}

}  // namespace

int64_t gtidDistance(const std::string& a, const std::string& b) {
  auto ahead = gtidSequences(a);
  auto behind = gtidSequences(b);
  int64_t distance = 0;
  for (const auto& [domain, seq] : ahead) distance += seq - behind[domain];
  for (const auto& [domain, seq] : behind) {
    if (!ahead.count(domain)) distance -= seq;
  }
  return distance;
}

DatanodeWatchdog::DatanodeWatchdog(FailoverConfig config, MetaStore& meta, DbPool& meta_pool,
                                   DatanodeFailover& failover, FailoverMetrics& metrics,
                                   std::string holder)
    : config_(std::move(config)),
      meta_(meta),
      replicas_(meta_pool),
      failover_(failover),
      metrics_(metrics),
      holder_(std::move(holder)),
      leases_(meta_pool),
      task_("datanode watchdog", std::chrono::milliseconds(config_.check_interval_ms),
            [this] { runOnce(); }) {}

DatanodeWatchdog::~DatanodeWatchdog() { stop(); }

void DatanodeWatchdog::stop() {
  task_.stop();
  if (active_) {
    try {
      leases_.release(kFailoverLease, holder_);
    } catch (const std::exception& e) {
      logWarn("failover watchdog lease not released").kv("error", e.what());
    }
    active_ = false;
  }
}

DbPool& DatanodeWatchdog::checkPool(const DbTarget& target) {
  auto& slot = pools_[target.describe() + "#" + target.user];
  if (!slot || slot->target().password != target.password) {
    DbPoolOptions options;
    options.max_connections = 1;
    options.connect_timeout_s = 1;
    options.io_timeout_s = 2;
    options.acquire_timeout_ms = 1000;
    slot = std::make_unique<DbPool>(target, options);
  }
  return *slot;
}

bool DatanodeWatchdog::checkPrimary(const DatanodeRecord& record) {
  try {
    auto db = checkPool(record.target).acquire();
    auto health = ReplicationStore::primaryHealth(*db);
    metrics_.primaryChecked(record.name, true, health.semi_sync_on, health.semi_sync_clients);
    return true;
  } catch (const std::exception& e) {
    metrics_.primaryChecked(record.name, false, false, 0);
    auto& state = primaries_[record.id];
    if (state.failing_since_ms == 0) {
      logWarn("datanode primary check failed")
          .kv("datanode", record.name)
          .kv("primary", address(record.target.host, record.target.port))
          .kv("error", e.what());
    }
    return false;
  }
}

std::string DatanodeWatchdog::bestReplica(const DatanodeRecord& record,
                                          const std::vector<DatanodeReplicaRecord>& replicas) {
  std::string best, best_gtid;
  for (const auto& replica : replicas) {
    if (replica.datanode_id != record.id || replica.state != kReplicaActive) continue;
    DbTarget target = record.target;
    target.host = replica.host;
    target.port = replica.port;
    try {
      auto db = checkPool(target).acquire();
      auto status = ReplicationStore::replicaStatus(*db);
      // A replica that is not replicating any more may be a half-finished promotion of
      // this datanode: usable when the datanode is fenced (DatanodeFailover resumes it).
      if (!status.is_replica && record.fenced_ms == 0) continue;
      const std::string& gtid = status.is_replica ? status.received_gtid : status.applied_gtid;
      if (best.empty() || gtidDistance(gtid, best_gtid) > 0) {
        best = address(replica.host, replica.port);
        best_gtid = gtid;
      }
    } catch (const std::exception& e) {
      logWarn("datanode replica does not answer")
          .kv("datanode", record.name)
          .kv("replica", address(replica.host, replica.port))
          .kv("error", e.what());
    }
  }
  return best;
}

void DatanodeWatchdog::failOver(const DatanodeRecord& record, const std::string& to,
                                int64_t failing_since_ms) {
  const int64_t started_ms = nowMs();
  const double detection_s = static_cast<double>(started_ms - failing_since_ms) / 1000.0;
  logWarn("automatic datanode failover")
      .kv("datanode", record.name)
      .kv("from", address(record.target.host, record.target.port))
      .kv("to", to)
      .kv("failing_for_ms", started_ms - failing_since_ms);
  const auto colon = to.rfind(':');
  try {
    auto result =
        failover_.failover("metaserver (automatic failover)", record.name, to.substr(0, colon),
                           std::atoi(to.c_str() + colon + 1), config_.timeout_ms);
    metrics_.failover(record.name, true, detection_s,
                      static_cast<double>(result.total_ms) / 1000.0);
    primaries_.erase(record.id);
  } catch (const std::exception& e) {
    metrics_.failover(record.name, false, detection_s, 0);
    logError("automatic datanode failover failed; retrying at the next check")
        .kv("datanode", record.name)
        .kv("to", to)
        .kv("error", e.what());
  }
}

void DatanodeWatchdog::fenceStale(const DatanodeRecord& record,
                                  const DatanodeReplicaRecord& stale) {
  DbTarget target = record.target;
  target.host = stale.host;
  target.port = stale.port;
  std::optional<DbPool::Lease> db;
  try {
    db.emplace(checkPool(target).acquire());
  } catch (const std::exception&) {
    return;  // down (or paused): nothing to fence
  }
  try {
    if (ReplicationStore::primaryHealth(**db).read_only) return;
    const int ended = ReplicationStore::fence(**db, target.user);
    logWarn("stale former primary answered writable; set read_only")
        .kv("datanode", record.name)
        .kv("server", address(stale.host, stale.port))
        .kv("sessions_ended", ended);
  } catch (const std::exception& e) {
    logWarn("stale former primary answers but could not be set read_only; retrying")
        .kv("datanode", record.name)
        .kv("server", address(stale.host, stale.port))
        .kv("error", e.what());
  }
}

void DatanodeWatchdog::runOnce() {
  bool held = false;
  try {
    held = leases_.acquire(kFailoverLease, holder_, config_.lease_ms);
  } catch (const std::exception& e) {
    logWarn("failover watchdog lease not renewed").kv("error", e.what());
  }
  if (held != active_) {
    if (held) {
      logInfo("failover watchdog active").kv("holder", holder_);
    } else {
      logWarn("failover watchdog lease lost; standing by").kv("holder", holder_);
      primaries_.clear();
    }
  }
  active_ = held;
  metrics_.active(held);
  if (!held) return;

  const auto replicas = replicas_.list();
  for (const auto& record : meta_.listDatanodes()) {
    if (record.state == "decommissioned") continue;
    for (const auto& replica : replicas) {
      if (replica.datanode_id == record.id && replica.state == kReplicaStale) {
        fenceStale(record, replica);
      }
    }
    auto& state = primaries_[record.id];
    const std::string primary = address(record.target.host, record.target.port);
    if (state.address != primary) state = PrimaryState{0, primary};
    const int64_t now = nowMs();
    // A fence left by a failover that did not finish (this or another metaserver, or an
    // operator's) is finished here: the datanode takes no writes meanwhile.
    const bool left_fenced =
        record.fenced_ms != 0 && now - record.fenced_ms > config_.timeout_ms + 5000;
    if (record.fenced_ms != 0 && !left_fenced) continue;  // a failover is under way
    if (!left_fenced && checkPrimary(record)) {
      state.failing_since_ms = 0;
      continue;
    }
    if (state.failing_since_ms == 0) state.failing_since_ms = left_fenced ? record.fenced_ms : now;
    if (!config_.automatic || (!record.auto_failover && !left_fenced)) continue;
    if (!left_fenced && now - state.failing_since_ms < config_.detection_ms) continue;
    const std::string to = bestReplica(record, replicas);
    if (to.empty()) {
      logError("datanode primary is down and no replica answers; cannot fail over")
          .kv("datanode", record.name)
          .kv("primary", primary);
      continue;
    }
    failOver(record, to, state.failing_since_ms);
  }
}

}  // namespace mq
