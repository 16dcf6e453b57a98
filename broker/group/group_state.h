// A consumer group's state machine: the states, every transition as a named function, and
// every refusal as an explicit error code. Pure logic over an in-memory GroupState: the
// coordinator loads the state under the group's row lock, applies one transition, and
// saves it. Semantics follow Kafka's classic group protocol (see docs/consumer-groups.md).
//
//            join                 all joined / deadline          leader's sync
//   Empty ----------> Preparing ------------------> Completing ---------------> Stable
//     ^               Rebalance <------------------  Rebalance <---------------  |
//     |                  |        join/leave/expiry             join/leave/expiry |
//     +------------------+  (no members left)                                     |
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/errors.h"
#include "mq_types.h"
#include "storage/group_records.h"

namespace mq {

// Limits a join request must respect.
inline constexpr int kMinSessionTimeoutMs = 1000;
inline constexpr int kMaxSessionTimeoutMs = 300000;
inline constexpr int kMaxRebalanceTimeoutMs = 600000;

struct GroupError {
  ErrorCode code = rpc::ErrorCode::NONE;
  std::string message;
  explicit operator bool() const { return code != rpc::ErrorCode::NONE; }
};

// Outcome of a join step: an error, a newly issued member id to join again with, a
// response, or "wait" (the barrier is not complete; call completeJoin later).
struct JoinStep {
  GroupError error;
  std::string member_id;            // the member's id (new or existing)
  bool member_id_required = false;  // dynamic member's first join: rejoin with member_id
  std::optional<rpc::JoinGroupResponse> response;
  int joined_generation = 0;  // generation when the member joined (wait for newer)
};

class GroupStateMachine {
 public:
  GroupStateMachine(GroupState& group, int64_t now_ms) : g_(group), now_(now_ms) {}

  // Removes members whose session expired (and pending ones never seen again); starts a
  // rebalance when members were lost. Returns the ids removed. Sessions count from
  // `database_started_ms` at the earliest, when the server holding the group last started:
  // while it was down no heartbeat could be recorded, and the time is not held against the
  // members (a broker that saw no outage would otherwise expire them all after a crash).
  std::vector<std::string> expireMembers(int64_t database_started_ms);

  // A JoinGroup request. `new_member_id` is the id to issue if one is needed.
  JoinStep join(const rpc::JoinGroupRequest& request, const std::string& new_member_id);
  // Completes the join barrier when every known member has joined or the deadline passed:
  // drops members that did not join, bumps the generation, picks leader and protocol.
  // Returns true if the group moved on.
  bool completeJoin();
  // The JoinGroup response for a member waiting since `joined_generation`, once the barrier
  // has completed for it; nullopt while it must keep waiting; an error if it was removed.
  std::optional<rpc::JoinGroupResponse> joinResult(const std::string& member_id,
                                                   int joined_generation);

  // SyncGroup: the leader's assignment makes the group Stable. A follower gets its
  // assignment once the group is Stable (nullopt: keep waiting).
  std::optional<rpc::SyncGroupResponse> sync(const rpc::SyncGroupRequest& request);

  rpc::HeartbeatResponse heartbeat(const rpc::HeartbeatRequest& request);
  rpc::LeaveGroupResponse leave(const rpc::LeaveGroupRequest& request);

  // May this commit be applied? Kafka's order of checks: fenced static member, admin
  // commit (generation < 0) only while Empty, unknown member, generation, rebalance phase.
  GroupError checkCommit(const rpc::CommitOffsetsRequest& request);

  // Starts a rebalance: every member must join again before the deadline.
  void prepareRebalance();

 private:
  GroupError checkMember(const std::string& member_id,
                         const std::optional<std::string>& instance_id, bool allow_pending = false);
  // True when some offered assignor is supported by every other active member.
  bool protocolsCompatible(const std::vector<rpc::GroupProtocol>& offered,
                           const std::string& joining_id) const;
  std::vector<rpc::JoinGroupMember> activeMembers() const;
  // The JoinGroup response describing the current generation (members for the leader).
  rpc::JoinGroupResponse currentGeneration(const std::string& member_id) const;
  std::string chooseProtocol() const;
  void removeMember(std::string member_id);  // by value: callers pass map keys
  void becomeEmptyIfNoMembers();

  GroupState& g_;
  const int64_t now_;
};

}  // namespace mq
