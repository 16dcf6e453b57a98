#include "broker/group/group_database.h"

#include <cppconn/exception.h>
#include <fmt/format.h>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "storage/group_standby_store.h"

namespace mq {
namespace {

// After a failed metadata call, how long group calls go straight to the standby.
constexpr int64_t kMetaRetryMs = 1000;
// How often a broker that reaches the metadata database checks whether another broker,
// cut off from it, activated the standby.
constexpr int64_t kStandbyCheckMs = 1000;
// After a hand-back, how long the standby refuses to activate again.
constexpr int64_t kStandbyQuietMs = 5000;

// A lock wait or a deadlock is the database busy, not out of reach.
bool unreachable(const sql::SQLException& e) {
  return isTransientDbError(e) && e.getErrorCode() != 1205 && e.getErrorCode() != 1213;
}

bool sameMember(const GroupMember& a, const GroupMember& b) {
  return a.instance_id == b.instance_id && a.client_id == b.client_id &&
         a.client_host == b.client_host && a.session_timeout_ms == b.session_timeout_ms &&
         a.rebalance_timeout_ms == b.rebalance_timeout_ms && a.pending == b.pending &&
         a.joined == b.joined && a.protocols == b.protocols && a.assignment == b.assignment;
}

// Whether `after` differs from `before` in more than heartbeats.
bool changed(const GroupState& before, const GroupState& after) {
  if (before.exists != after.exists || before.state != after.state ||
      before.generation != after.generation || before.protocol != after.protocol ||
      before.leader_id != after.leader_id ||
      before.rebalance_deadline_ms != after.rebalance_deadline_ms ||
      before.members.size() != after.members.size()) {
    return true;
  }
  for (const auto& [id, member] : after.members) {
    auto it = before.members.find(id);
    if (it == before.members.end() || !sameMember(it->second, member)) return true;
  }
  return false;
}

[[noreturn]] void throwBothUnavailable(const std::string& meta_error, int datanode_id,
                                       const std::string& standby_error) {
  throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
             fmt::format("the metadata database is unavailable ({}), and so is the groups' "
                         "standby on datanode {} ({}); members keep their partitions",
                         meta_error, datanode_id, standby_error));
}

}  // namespace

GroupDatabase::GroupDatabase(DbPool& meta_pool, DatanodePools& datanodes, TopologyCache& topology,
                             BrokerMetrics& metrics)
    : meta_pool_(meta_pool), datanodes_(datanodes), topology_(topology), metrics_(metrics) {}

template <typename T>
T GroupDatabase::route(const std::function<T(DbPool&)>& on_meta,
                       const std::function<T(DbPool&, int)>& on_standby) {
  if (!meta_down_ || nowMs() >= next_meta_try_ms_) {
    try {
      noticeActiveStandby();
      if (!(meta_down_ || standby_touched_) || recovered()) return on_meta(meta_pool_);
    } catch (const sql::SQLException& e) {
      if (!unreachable(e)) throw;
      if (!meta_down_.exchange(true)) {
        logWarn("metadata database unreachable; consumer groups run on their standby")
            .kv("error", e.what());
      }
      next_meta_try_ms_ = nowMs() + kMetaRetryMs;
      std::lock_guard lock(mutex_);
      meta_error_ = e.what();
    }
  }
  std::string meta_error;
  {
    std::lock_guard lock(mutex_);
    meta_error = meta_error_;
  }
  int datanode_id = 0;
  try {
    auto standby = standbyPool(datanode_id);
    standby_touched_ = true;
    return on_standby(*standby, datanode_id);
  } catch (const sql::SQLException& e) {
    throwBothUnavailable(meta_error, datanode_id, e.what());
  } catch (const rpc::MqError& e) {
    if (e.code == rpc::ErrorCode::METADATA_UNAVAILABLE) throw;
    throwBothUnavailable(meta_error, datanode_id, e.message);
  }
}

std::shared_ptr<DbPool> GroupDatabase::standbyPool(int& datanode_id) {
  auto topology = topology_.topology();
  if (topology->datanodes.empty()) {
    throwError(rpc::ErrorCode::METADATA_UNAVAILABLE, "the cluster has no datanode");
  }
  datanode_id = topology->datanodes.begin()->first;
  return datanodes_.pool(datanode_id);
}

bool GroupDatabase::recovered() {
  std::lock_guard lock(hand_back_mutex_);
  if (meta_down_) meta_pool_.acquire()->query("SELECT 1");  // throws while still down
  if (standby_touched_) {
    // Until the standby is handed back it holds the groups' current state: the metadata
    // database's is older, and answering from it would remove members or move partitions.
    if (nowMs() < next_hand_back_try_ms_) return false;
    try {
      int datanode_id = 0;
      handBack(*standbyPool(datanode_id));
      standby_touched_ = false;
    } catch (const std::exception& e) {
      next_hand_back_try_ms_ = nowMs() + kMetaRetryMs;
      logWarn("cannot hand the consumer groups' standby back yet; group calls stay on it")
          .kv("error", e.what());
      return false;
    }
  }
  if (meta_down_) {
    {
      auto db = meta_pool_.acquire();
      GroupStore::renewSessions(*db, nowMs());
    }
    meta_down_ = false;
    logInfo("metadata database reachable again; group sessions renewed");
  }
  return true;
}

void GroupDatabase::noticeActiveStandby() {
  const int64_t now = nowMs();
  if (standby_touched_ || now < next_standby_check_ms_) return;
  next_standby_check_ms_ = now + kStandbyCheckMs;
  try {
    int datanode_id = 0;
    auto standby = standbyPool(datanode_id);
    auto db = standby->acquire();
    if (GroupStandbyStore::active(*db, /*exclusive=*/false)) standby_touched_ = true;
  } catch (const std::exception&) {
    // The standby's datanode is down: nothing runs there either.
  }
}

void GroupDatabase::handBack(DbPool& standby) {
  auto sdb = standby.acquire();
  DbTransaction standby_transaction(sdb);
  if (!GroupStandbyStore::active(*sdb, /*exclusive=*/true)) {
    standby_transaction.commit();
    return;
  }
  const int64_t since = GroupStandbyStore::activatedMs(*sdb);
  const auto changed_groups = GroupStandbyStore::changedGroups(*sdb);
  const int64_t now = nowMs();
  {
    auto mdb = meta_pool_.acquire();
    DbTransaction meta_transaction(mdb);
    for (const auto& group_id : changed_groups) {
      GroupState group = GroupStore::loadWith(*sdb, group_id, /*for_update=*/false);
      if (!group.exists) continue;
      std::vector<rpc::CommittedOffset> offsets;
      for (auto& offset : GroupStore::fetchOffsets(*sdb, group_id, {})) {
        if (offset.committed_ms >= since) offsets.push_back(std::move(offset));
      }
      GroupStore::insertIfMissing(*mdb, group_id, now);
      const GroupState there = GroupStore::loadWith(*mdb, group_id, /*for_update=*/true);
      group.version = std::max(group.version, there.version) + 1;
      GroupStore::replace(*mdb, group, now);
      GroupStore::copyOffsets(*mdb, group_id, offsets);
    }
    GroupStore::renewSessions(*mdb, now);
    meta_transaction.commit();
  }
  GroupStandbyStore::deactivate(*sdb, now);
  standby_transaction.commit();
  {
    // Copies made before now are older than what was just handed back: copy whole again.
    std::lock_guard lock(mutex_);
    mirrored_.clear();
  }
  metrics_.recordGroupStandby("handed_back");
  logInfo("consumer groups handed back from their standby to the metadata database")
      .kv("groups", changed_groups.size())
      .kv("active_ms", now - since);
}

void GroupDatabase::mutate(const std::string& group_id, bool create_if_missing,
                           const GroupStore::Step& step) {
  route<bool>(
      [&](DbPool& meta) {
        GroupState after;
        bool members = false, deleted = false;
        GroupStore(meta).mutate(group_id, create_if_missing,
                                [&](GroupState& group, DbConnection& db) {
                                  const GroupState before = group;
                                  step(group, db);
                                  deleted = before.exists && !group.exists;
                                  members = group.exists && changed(before, group);
                                  if (members) {
                                    ++group.version;
                                    group.dirty = true;
                                  }
                                  after = group;
                                });
        if (after.exists || deleted) mirror(after, members, deleted);
        return true;
      },
      [&](DbPool& standby, int) {
        mutateOnStandby(standby, group_id, step);
        return true;
      });
}

void GroupDatabase::mutateOnStandby(DbPool& standby, const std::string& group_id,
                                    const GroupStore::Step& step) {
  auto db = standby.acquire();
  for (int attempt = 0;; ++attempt) {
    {
      DbTransaction transaction(db);
      if (GroupStandbyStore::active(*db, /*exclusive=*/false)) {
        GroupState group = GroupStore::loadWith(*db, group_id, /*for_update=*/true);
        if (!group.exists) {
          throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
                     fmt::format("the metadata database is unavailable and group `{}` has no "
                                 "copy on the groups' standby: it cannot form until the "
                                 "database is back",
                                 group_id));
        }
        const int64_t now = nowMs();
        step(group, *db);
        if (!group.exists) {
          throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
                     "the metadata database is unavailable: deleting a group waits for it");
        }
        ++group.version;
        group.dirty = true;
        GroupStore::save(*db, group, now);
        GroupStandbyStore::markChanged(*db, group_id);
        transaction.commit();
        return;
      }
    }
    const auto activation = attempt > 0
                                ? GroupStandbyStore::Activation::kRefused
                                : GroupStandbyStore::activate(*db, nowMs(), kStandbyQuietMs);
    if (activation == GroupStandbyStore::Activation::kRefused) {
      throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
                 "the metadata database is unavailable here, but its groups were just handed "
                 "back to it; try again");
    }
    if (activation == GroupStandbyStore::Activation::kActivated) {
      metrics_.recordGroupStandby("activated");
      logWarn("consumer groups' standby activated: the metadata database is unavailable");
    }
  }
}

void GroupDatabase::mirror(const GroupState& group, bool members, bool deleted) {
  bool whole = false;
  {
    std::lock_guard lock(mutex_);
    whole = !mirrored_.count(group.group_id);
  }
  if (!members && !deleted && !whole && group.commits.empty()) return;
  const int64_t now = nowMs();
  try {
    std::vector<rpc::CommittedOffset> offsets;
    if (whole && !deleted) {
      offsets = GroupStore(meta_pool_).fetchOffsets(group.group_id, {});
    } else {
      for (const auto& commit : group.commits) {
        rpc::CommittedOffset offset;
        offset.topic = commit.topic;
        offset.partition = commit.partition;
        offset.offset = commit.offset;
        offset.metadata = commit.metadata;
        offset.committed_ms = now;
        if (commit.__isset.previous_append_time_ms) {
          offset.__set_previous_append_time_ms(commit.previous_append_time_ms);
        }
        offsets.push_back(std::move(offset));
      }
    }
    int datanode_id = 0;
    auto standby = standbyPool(datanode_id);
    auto db = standby->acquire();
    DbTransaction transaction(db);
    if (GroupStandbyStore::active(*db, /*exclusive=*/false)) {
      // Another broker runs the groups there: hand them back before the next call.
      standby_touched_ = true;
      return;
    }
    if (deleted) {
      GroupStore::deleteGroup(*db, group.group_id);
    } else {
      if (members || whole) GroupStandbyStore::putGroup(*db, group, now);
      GroupStore::copyOffsets(*db, group.group_id, offsets);
    }
    transaction.commit();
    std::lock_guard lock(mutex_);
    if (deleted) {
      mirrored_.erase(group.group_id);
    } else {
      mirrored_.insert(group.group_id);
    }
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mutex_);
      mirrored_.erase(group.group_id);
    }
    metrics_.recordGroupStandby("copy_failed");
    logWarn("cannot copy a consumer group to its standby; copying it whole next time")
        .kv("group", group.group_id)
        .kv("error", e.what());
  }
}

std::vector<rpc::CommittedOffset> GroupDatabase::current(
    std::vector<rpc::CommittedOffset> offsets) {
  auto topology = topology_.topology();
  for (auto& offset : offsets) {
    auto topic = topology->topics.find(offset.topic);
    if (offset.offset >= 0 &&
        (topic == topology->topics.end() || offset.committed_ms < topic->second.created_ms)) {
      offset.offset = -1;
      offset.metadata.clear();
      offset.committed_ms = 0;
      offset.__isset.previous_append_time_ms = false;
    }
  }
  return offsets;
}

GroupState GroupDatabase::load(const std::string& group_id) {
  return route<GroupState>(
      [&](DbPool& meta) { return GroupStore(meta).load(group_id); },
      [&](DbPool& standby, int) { return GroupStore(standby).load(group_id); });
}

std::vector<rpc::CommittedOffset> GroupDatabase::fetchOffsets(
    const std::string& group_id, const std::vector<rpc::TopicPartitions>& partitions) {
  using Offsets = std::vector<rpc::CommittedOffset>;
  return route<Offsets>(
      [&](DbPool& meta) { return GroupStore(meta).fetchOffsets(group_id, partitions); },
      [&](DbPool& standby, int) -> Offsets {
        GroupStore store(standby);
        if (!store.load(group_id).exists) {
          throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
                     fmt::format("the metadata database is unavailable and group `{}` has no "
                                 "copy on the groups' standby",
                                 group_id));
        }
        return current(store.fetchOffsets(group_id, partitions));
      });
}

std::vector<rpc::GroupSummary> GroupDatabase::listGroups() {
  using Groups = std::vector<rpc::GroupSummary>;
  return route<Groups>([&](DbPool& meta) { return GroupStore(meta).listGroups(); },
                       [&](DbPool& standby, int) { return GroupStore(standby).listGroups(); });
}

}  // namespace mq
