// The consumer-group state machine, transition by transition (pure logic, no database).
#include "broker/group/group_state.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

rpc::JoinGroupRequest joinRequest(const std::string& member_id,
                                  const std::string& assignor = "range") {
  rpc::JoinGroupRequest request;
  request.group_id = "g";
  request.member_id = member_id;
  request.session_timeout_ms = 10000;
  request.rebalance_timeout_ms = 30000;
  rpc::GroupProtocol protocol;
  protocol.name = assignor;
  protocol.subscription.topics = {"orders"};
  request.protocols = {protocol};
  return request;
}

// Joins a dynamic member (two steps, as the protocol requires) and returns its id.
std::string joinNew(GroupState& group, int64_t now, const std::string& id) {
  GroupStateMachine machine(group, now);
  auto first = machine.join(joinRequest(""), id);
  EXPECT_EQ(first.error.code, rpc::ErrorCode::MEMBER_ID_REQUIRED);
  auto second = machine.join(joinRequest(first.member_id), "unused");
  EXPECT_FALSE(second.error) << second.error.message;
  return first.member_id;
}

TEST(GroupState, FirstJoinRequiresAMemberIdThenCompletesAsLeader) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  GroupStateMachine machine(group, 1000);
  EXPECT_EQ(group.state, GroupStateName::kPreparingRebalance);
  ASSERT_TRUE(machine.completeJoin());
  EXPECT_EQ(group.state, GroupStateName::kCompletingRebalance);
  EXPECT_EQ(group.generation, 1);
  EXPECT_EQ(group.protocol, "range");
  auto result = machine.joinResult(a, 0);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->leader_id, a);
  EXPECT_EQ(result->members.size(), 1u);  // the leader sees every member
}

TEST(GroupState, BarrierWaitsForEveryKnownMemberUntilTheDeadline) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  GroupStateMachine(group, 1000).completeJoin();
  std::string b = joinNew(group, 2000, "b");  // b's join starts a new rebalance
  GroupStateMachine machine(group, 2000);
  EXPECT_FALSE(machine.completeJoin()) << "a has not rejoined yet";
  // a never rejoins: after the rebalance deadline it is dropped and b goes on alone.
  GroupStateMachine late(group, 2000 + 30001);
  ASSERT_TRUE(late.completeJoin());
  EXPECT_EQ(group.members.count(a), 0u);
  EXPECT_EQ(group.leader_id, b);
  EXPECT_EQ(group.generation, 2);
}

TEST(GroupState, LeaderSyncMakesTheGroupStableAndFollowersGetTheirAssignment) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  std::string b = joinNew(group, 1000, "b");
  GroupStateMachine machine(group, 1000);
  ASSERT_TRUE(machine.completeJoin());
  std::string follower = group.leader_id == a ? b : a;

  rpc::SyncGroupRequest follower_sync;
  follower_sync.group_id = "g";
  follower_sync.member_id = follower;
  follower_sync.generation_id = group.generation;
  EXPECT_FALSE(machine.sync(follower_sync)) << "follower waits for the leader";

  rpc::SyncGroupRequest leader_sync = follower_sync;
  leader_sync.member_id = group.leader_id;
  rpc::MemberAssignment to_follower;
  to_follower.member_id = follower;
  rpc::TopicPartitions tp;
  tp.topic = "orders";
  tp.partitions = {0, 1};
  to_follower.partitions = {tp};
  leader_sync.assignments = {to_follower};
  auto leader = machine.sync(leader_sync);
  ASSERT_TRUE(leader);
  EXPECT_EQ(leader->error, rpc::ErrorCode::NONE);
  EXPECT_EQ(group.state, GroupStateName::kStable);
  auto got = machine.sync(follower_sync);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->assignment.size(), 1u);
  EXPECT_EQ(got->assignment[0].partitions, (std::vector<int>{0, 1}));
}

TEST(GroupState, OldGenerationCannotCommit) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  GroupStateMachine machine(group, 1000);
  machine.completeJoin();
  rpc::SyncGroupRequest sync;
  sync.member_id = a;
  sync.generation_id = group.generation;
  machine.sync(sync);
  rpc::CommitOffsetsRequest commit;
  commit.member_id = a;
  commit.generation_id = group.generation - 1;
  EXPECT_EQ(machine.checkCommit(commit).code, rpc::ErrorCode::ILLEGAL_GENERATION);
  commit.generation_id = group.generation;
  EXPECT_FALSE(machine.checkCommit(commit));
  commit.member_id = "stranger";
  EXPECT_EQ(machine.checkCommit(commit).code, rpc::ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST(GroupState, AdminCommitOnlyWhileNoMemberIsActive) {
  GroupState group;
  group.group_id = "g";
  rpc::CommitOffsetsRequest admin;
  admin.generation_id = -1;
  EXPECT_FALSE(GroupStateMachine(group, 0).checkCommit(admin));
  joinNew(group, 1000, "a");
  EXPECT_EQ(GroupStateMachine(group, 1000).checkCommit(admin).code,
            rpc::ErrorCode::GROUP_NOT_EMPTY);
}

TEST(GroupState, ExpiredSessionRemovesTheMemberAndStartsARebalance) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  std::string b = joinNew(group, 1000, "b");
  GroupStateMachine(group, 1000).completeJoin();
  group.state = GroupStateName::kStable;
  group.members[b].last_heartbeat_ms = 20000;  // b keeps beating, a went silent
  GroupStateMachine machine(group, 20000);
  auto expired = machine.expireMembers(0);
  EXPECT_EQ(expired, std::vector<std::string>{a});
  EXPECT_EQ(group.state, GroupStateName::kPreparingRebalance);
  rpc::HeartbeatRequest beat;
  beat.member_id = b;
  beat.generation_id = group.generation;
  EXPECT_EQ(machine.heartbeat(beat).error, rpc::ErrorCode::REBALANCE_IN_PROGRESS);
}

// After the group's database restarts, the time it was down does not count: a session
// expires only one session timeout after the restart.
TEST(GroupState, SessionsCountFromTheDatabasesStart) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  GroupStateMachine(group, 1000).completeJoin();
  group.state = GroupStateName::kStable;
  const int session = group.members[a].session_timeout_ms;
  const int64_t restarted = 1000 + 3 * session;  // down for longer than a session
  EXPECT_TRUE(GroupStateMachine(group, restarted + session - 1).expireMembers(restarted).empty());
  EXPECT_EQ(group.state, GroupStateName::kStable);
  EXPECT_EQ(GroupStateMachine(group, restarted + session + 1).expireMembers(restarted),
            std::vector<std::string>{a});
}

TEST(GroupState, StaticMemberRestartKeepsItsAssignmentWithoutRebalance) {
  GroupState group;
  group.group_id = "g";
  auto request = joinRequest("");
  request.__set_group_instance_id("host-1");
  GroupStateMachine machine(group, 1000);
  auto first = machine.join(request, "old-id");
  ASSERT_FALSE(first.error) << first.error.message;  // static members skip MEMBER_ID_REQUIRED
  machine.completeJoin();
  rpc::SyncGroupRequest sync;
  sync.member_id = "old-id";
  sync.generation_id = group.generation;
  rpc::MemberAssignment assignment;
  assignment.member_id = "old-id";
  rpc::TopicPartitions tp;
  tp.topic = "orders";
  tp.partitions = {3};
  assignment.partitions = {tp};
  sync.assignments = {assignment};
  machine.sync(sync);
  const int generation = group.generation;

  auto restart = machine.join(request, "new-id");
  ASSERT_TRUE(restart.response) << "no rebalance expected";
  EXPECT_EQ(restart.response->generation_id, generation);
  EXPECT_EQ(group.state, GroupStateName::kStable);
  EXPECT_EQ(group.members["new-id"].assignment[0].partitions, std::vector<int>{3});

  // The old process is fenced.
  rpc::HeartbeatRequest zombie;
  zombie.member_id = "old-id";
  zombie.__set_group_instance_id("host-1");
  zombie.generation_id = generation;
  EXPECT_EQ(machine.heartbeat(zombie).error, rpc::ErrorCode::FENCED_INSTANCE_ID);
}

// A cooperative member reports the partitions it owns when it joins; the restarted
// process owns nothing yet. That is the same subscription: no rebalance. Other topics are
// a new subscription: a rebalance.
TEST(GroupState, StaticMemberRestartIgnoresOwnedPartitionsButNotTopics) {
  GroupState group;
  group.group_id = "g";
  auto request = joinRequest("", "cooperative-sticky");
  request.__set_group_instance_id("host-1");
  rpc::TopicPartitions owned;
  owned.topic = "orders";
  owned.partitions = {0, 1};
  request.protocols[0].subscription.owned_partitions = {owned};
  request.protocols[0].subscription.user_data = "v1;orders=2";
  GroupStateMachine machine(group, 1000);
  ASSERT_FALSE(machine.join(request, "old-id").error);
  machine.completeJoin();
  rpc::SyncGroupRequest sync;
  sync.member_id = "old-id";
  sync.generation_id = group.generation;
  machine.sync(sync);
  const int generation = group.generation;

  auto restarted = request;
  restarted.protocols[0].subscription.owned_partitions.clear();
  auto same = machine.join(restarted, "new-id");
  ASSERT_TRUE(same.response) << "owning nothing yet is not a new subscription";
  EXPECT_EQ(same.response->generation_id, generation);
  EXPECT_EQ(group.state, GroupStateName::kStable);

  auto other_topics = restarted;
  other_topics.protocols[0].subscription.topics = {"orders", "payments"};
  auto changed = machine.join(other_topics, "newer-id");
  EXPECT_FALSE(changed.response) << "a changed subscription needs a rebalance";
  EXPECT_EQ(group.state, GroupStateName::kPreparingRebalance);
}

TEST(GroupState, IncompatibleAssignorIsRefused) {
  GroupState group;
  group.group_id = "g";
  joinNew(group, 1000, "a");
  GroupStateMachine machine(group, 1000);
  auto step = machine.join(joinRequest("", "roundrobin"), "b");
  EXPECT_EQ(step.error.code, rpc::ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
}

TEST(GroupState, LastMemberLeavingEmptiesTheGroupAndBumpsTheGeneration) {
  GroupState group;
  group.group_id = "g";
  std::string a = joinNew(group, 1000, "a");
  GroupStateMachine machine(group, 1000);
  machine.completeJoin();
  int generation = group.generation;
  rpc::LeaveGroupRequest leave;
  leave.member_id = a;
  EXPECT_EQ(machine.leave(leave).error, rpc::ErrorCode::NONE);
  EXPECT_EQ(group.state, GroupStateName::kEmpty);
  EXPECT_GT(group.generation, generation);
}

}  // namespace
}  // namespace mq
