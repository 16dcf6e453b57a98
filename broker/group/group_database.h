// Where a broker's group calls run: the metadata database, or, while this broker cannot
// reach it, the groups' standby on a datanode (sql/datanode/009), so that running groups go
// on heartbeating, committing and rebalancing through a metadata outage.
//
// - Mirror. After a change to a group in the metadata database (its state, members or
//   assignments: not a heartbeat) or a commit, the broker copies the change to the standby
//   (the first time it touches a group, the whole group with all its offsets). A copy that
//   fails is logged and the next one is whole again. The standby is the datanode with the
//   lowest id; every broker picks the same one from its cached topology.
// - Failover. A group call whose metadata transaction fails because the database cannot be
//   reached runs on the standby instead, which the first such call activates (restarting
//   every member's session there: the copies hold the heartbeats of their last change).
//   Only groups it has a copy of run there: a brand-new group, and deleting one, wait for the
//   metadata database (METADATA_UNAVAILABLE, retriable). For a second after a failure the
//   broker goes straight to the standby; then it tries the metadata database again.
// - Hand-back. The first broker to reach the metadata database again while the standby is
//   active copies the groups changed there back (offsets: newest commit wins), restarts every
//   session in the metadata database and deactivates the standby, all under the standby's
//   exclusive lock. For 5 s after that the standby refuses to activate again, so a broker
//   that has not noticed yet cannot take the groups away.
//   Until the hand-back succeeds, group calls stay on the standby: the metadata database's
//   copy of the groups is older.
// A broker cut off from the metadata database alone activates the standby for every broker;
// the others see it active within a second (they look once a second) and hand it back.
// Sessions also count from the start of the server holding the group at the earliest
// (GroupStateMachine::expireMembers): after a crash and restart, a broker that never saw the
// database down does not expire the members that could not heartbeat meanwhile.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "broker/broker_metrics.h"
#include "broker/datanode_pools.h"
#include "broker/topology_cache.h"
#include "storage/group_store.h"

namespace mq {

class GroupDatabase {
 public:
  GroupDatabase(DbPool& meta_pool, DatanodePools& datanodes, TopologyCache& topology,
                BrokerMetrics& metrics);

  // GroupStore::mutate in the database the group lives in now. Throws MqError
  // METADATA_UNAVAILABLE when neither can run it.
  void mutate(const std::string& group_id, bool create_if_missing, const GroupStore::Step& step);
  GroupState load(const std::string& group_id);
  std::vector<rpc::CommittedOffset> fetchOffsets(
      const std::string& group_id, const std::vector<rpc::TopicPartitions>& partitions);
  std::vector<rpc::GroupSummary> listGroups();

 private:
  // Runs `on_meta` unless the metadata database failed less than a second ago; when it
  // cannot be reached, `on_standby` with the standby's pool.
  template <typename T>
  T route(const std::function<T(DbPool&)>& on_meta,
          const std::function<T(DbPool&, int datanode_id)>& on_standby);
  // Before a metadata call after this broker saw the database down or the standby active:
  // hands the standby back and restarts the sessions. False while the standby cannot be
  // handed back yet: the call runs on it then.
  bool recovered();
  // Once a second, whether a broker cut off alone from the metadata database has activated
  // the standby (standby_touched_ then).
  void noticeActiveStandby();
  void handBack(DbPool& standby);
  std::shared_ptr<DbPool> standbyPool(int& datanode_id);
  void mutateOnStandby(DbPool& standby, const std::string& group_id, const GroupStore::Step& step);
  void mirror(const GroupState& group, bool members, bool deleted);
  // The standby's offsets of topics that still exist as they were (a topic deleted and
  // created again since has none).
  std::vector<rpc::CommittedOffset> current(std::vector<rpc::CommittedOffset> offsets);

  DbPool& meta_pool_;
  DatanodePools& datanodes_;
  TopologyCache& topology_;
  BrokerMetrics& metrics_;
  std::atomic<bool> meta_down_{false};
  std::atomic<int64_t> next_meta_try_ms_{0};
  std::string meta_error_;  // guarded by mutex_
  // This broker used the standby or saw it active: hand it back once the metadata answers.
  std::atomic<bool> standby_touched_{false};
  std::atomic<int64_t> next_hand_back_try_ms_{0};
  std::atomic<int64_t> next_standby_check_ms_{0};
  std::mutex mutex_;
  std::set<std::string> mirrored_;  // groups copied whole since start; guarded by mutex_
  std::mutex hand_back_mutex_;
};

}  // namespace mq
