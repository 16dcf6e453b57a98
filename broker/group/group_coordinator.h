// The consumer-group coordinator every broker runs. Each call is one or more short
// transactions on the group's row (GroupStore) applying GroupStateMachine transitions.
// Calls that must wait (the join barrier, a follower's sync) poll the database with
// backoff (5 ms doubling to 200 ms) and are woken at once by changes made through this
// broker, so a waiting member costs at most a few small queries per second.
//
// While the metadata database cannot be reached, the calls run on the groups' standby on a
// datanode (GroupDatabase). What cannot run there (a brand-new group) answers
// METADATA_UNAVAILABLE (retriable) naming the database: members keep their partitions (the
// answer to a heartbeat is contact) and retry. Not COORDINATOR_NOT_AVAILABLE: every broker
// shares the databases, so trying another broker at once is pointless.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "broker/change_notifier.h"
#include "broker/group/group_database.h"
#include "broker/group/group_state.h"
#include "broker/topology_cache.h"

namespace mq {

class GroupCoordinator {
 public:
  GroupCoordinator(GroupDatabase& database, TopologyCache& topology,
                   std::atomic<bool>& shutting_down);

  rpc::JoinGroupResponse join(const rpc::JoinGroupRequest& request);
  rpc::SyncGroupResponse sync(const rpc::SyncGroupRequest& request);
  rpc::HeartbeatResponse heartbeat(const rpc::HeartbeatRequest& request);
  rpc::LeaveGroupResponse leave(const rpc::LeaveGroupRequest& request);
  rpc::CommitOffsetsResponse commit(const rpc::CommitOffsetsRequest& request);
  rpc::FetchOffsetsResponse fetchOffsets(const rpc::FetchOffsetsRequest& request);
  std::vector<rpc::GroupSummary> list();
  rpc::DescribeGroupResponse describe(const std::string& group_id);
  // Throws MqError UNKNOWN_GROUP or GROUP_NOT_EMPTY.
  void remove(const std::string& group_id);

  // Number of database transactions run by waiting calls (for the DB-load measurement).
  uint64_t waitPolls() const { return wait_polls_; }

 private:
  // Runs `call`; when it fails with METADATA_UNAVAILABLE (neither the metadata database nor
  // the standby could run it) or the database is busy, returns a Response with
  // METADATA_UNAVAILABLE instead.
  template <typename Response, typename Call>
  Response guarded(Call&& call);

  // Waits for a local change or the backoff; false once the deadline passed or the broker
  // is shutting down.
  bool waitForChange(uint64_t& seen, std::chrono::milliseconds& backoff,
                     SteadyClock::time_point deadline);

  GroupDatabase& database_;
  TopologyCache& topology_;
  std::atomic<bool>& shutting_down_;
  ChangeNotifier changes_;
  std::atomic<uint64_t> wait_polls_{0};
};

// Throws MqError INVALID_REQUEST unless 1..255 characters.
void validateGroupId(const std::string& group_id);

}  // namespace mq
