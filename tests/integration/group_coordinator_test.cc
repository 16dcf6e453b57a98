// The consumer-group coordinator through real brokers (separate processes) and the real
// metadata database, speaking the wire protocol directly.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "tests/harness/crashed_mariadb.h"
#include "tests/harness/eventually.h"
#include "tests/harness/message_batch.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

using BrokerRpc = RpcClient<rpc::BrokerClient>;

rpc::JoinGroupRequest joinRequest(const std::string& group, const std::string& member_id,
                                  int session_timeout_ms = 10000) {
  rpc::JoinGroupRequest request;
  request.header.client_id = "test";
  request.group_id = group;
  request.member_id = member_id;
  request.session_timeout_ms = session_timeout_ms;
  request.rebalance_timeout_ms = 10000;
  rpc::GroupProtocol protocol;
  protocol.name = "range";
  protocol.subscription.topics = {"t"};
  request.protocols = {protocol};
  return request;
}

// Both steps of a dynamic member's first join; returns the JoinGroup response.
rpc::JoinGroupResponse join(BrokerRpc& broker, const std::string& group, std::string member_id = "",
                            int session_timeout_ms = 10000) {
  rpc::JoinGroupResponse response;
  broker->joinGroup(response, joinRequest(group, member_id, session_timeout_ms));
  if (response.error == rpc::ErrorCode::MEMBER_ID_REQUIRED) {
    broker->joinGroup(response, joinRequest(group, response.member_id, session_timeout_ms));
  }
  return response;
}

rpc::HeartbeatResponse heartbeat(BrokerRpc& broker, const std::string& group,
                                 const rpc::JoinGroupResponse& joined) {
  rpc::HeartbeatRequest request;
  request.group_id = group;
  request.member_id = joined.member_id;
  request.generation_id = joined.generation_id;
  rpc::HeartbeatResponse response;
  broker->heartbeat(response, request);
  return response;
}

rpc::SyncGroupResponse sync(BrokerRpc& broker, const std::string& group,
                            const rpc::JoinGroupResponse& joined,
                            std::vector<rpc::MemberAssignment> assignments = {}) {
  rpc::SyncGroupRequest request;
  request.header.client_id = "test";
  request.group_id = group;
  request.generation_id = joined.generation_id;
  request.member_id = joined.member_id;
  request.assignments = std::move(assignments);
  rpc::SyncGroupResponse response;
  broker->syncGroup(response, request);
  return response;
}

rpc::CommitOffsetsResponse commit(BrokerRpc& broker, const std::string& group,
                                  const std::string& member, int generation, int64_t offset) {
  rpc::CommitOffsetsRequest request;
  request.header.client_id = "test";
  request.group_id = group;
  request.member_id = member;
  request.generation_id = generation;
  rpc::OffsetCommitPartition p;
  p.topic = "t";
  p.partition = 0;
  p.offset = offset;
  request.offsets = {p};
  rpc::CommitOffsetsResponse response;
  broker->commitOffsets(response, request);
  return response;
}

rpc::MemberAssignment assign(const std::string& member, std::vector<int> partitions) {
  rpc::MemberAssignment assignment;
  assignment.member_id = member;
  rpc::TopicPartitions tp;
  tp.topic = "t";
  tp.partitions = std::move(partitions);
  assignment.partitions = {tp};
  return assignment;
}

TEST(GroupCoordinator, MembersOnDifferentBrokersFormOneGeneration) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("t", 2);
  auto a_broker = cluster.brokerClient(0);
  auto b_broker = cluster.brokerClient(1);

  auto a = join(*a_broker, "g");
  ASSERT_EQ(a.error, rpc::ErrorCode::NONE) << a.error_message;
  ASSERT_EQ(sync(*a_broker, "g", a, {assign(a.member_id, {0, 1})}).error, rpc::ErrorCode::NONE);

  // B joins through the other broker; A learns of the rebalance by heartbeat and rejoins.
  auto b_future = std::async(std::launch::async, [&] { return join(*b_broker, "g"); });
  rpc::HeartbeatResponse beat;
  for (int i = 0; i < 100 && beat.error != rpc::ErrorCode::REBALANCE_IN_PROGRESS; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    beat = heartbeat(*a_broker, "g", a);
  }
  ASSERT_EQ(beat.error, rpc::ErrorCode::REBALANCE_IN_PROGRESS);
  auto a2 = join(*a_broker, "g", a.member_id);
  auto b = b_future.get();
  ASSERT_EQ(a2.error, rpc::ErrorCode::NONE) << a2.error_message;
  ASSERT_EQ(b.error, rpc::ErrorCode::NONE) << b.error_message;
  EXPECT_EQ(a2.generation_id, a.generation_id + 1);
  EXPECT_EQ(a2.generation_id, b.generation_id);
  EXPECT_EQ(a2.leader_id, b.leader_id);

  auto& leader = a2.leader_id == a2.member_id ? a2 : b;
  auto& follower = a2.leader_id == a2.member_id ? b : a2;
  auto& leader_broker = a2.leader_id == a2.member_id ? *a_broker : *b_broker;
  auto& follower_broker = a2.leader_id == a2.member_id ? *b_broker : *a_broker;
  EXPECT_EQ(leader.members.size(), 2u);
  EXPECT_TRUE(follower.members.empty()) << "only the leader sees the subscriptions";
  auto follower_sync =
      std::async(std::launch::async, [&] { return sync(follower_broker, "g", follower); });
  auto leader_sync = sync(leader_broker, "g", leader,
                          {assign(leader.member_id, {0}), assign(follower.member_id, {1})});
  ASSERT_EQ(leader_sync.error, rpc::ErrorCode::NONE);
  auto got = follower_sync.get();
  ASSERT_EQ(got.error, rpc::ErrorCode::NONE) << got.error_message;
  ASSERT_EQ(got.assignment.size(), 1u);
  EXPECT_EQ(got.assignment[0].partitions, std::vector<int>{1});

  rpc::DescribeGroupResponse described;
  (*a_broker)->describeGroup(described, rpc::RequestHeader(), "g");
  EXPECT_EQ(described.group.state, "Stable");
  EXPECT_EQ(described.group.members.size(), 2u);
}

TEST(GroupCoordinator, ZombieOfAnOldGenerationCannotCommit) {
  TestCluster cluster;
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  {
    // 100 messages: both offsets committed below are within the log.
    rpc::ProduceRequest produce;
    produce.batches = {batchOf("t", 0, std::vector<std::string>(100, "m"))};
    rpc::ProduceResponse produced;
    (*broker)->produce(produced, produce);
    ASSERT_EQ(produced.results.at(0).error, rpc::ErrorCode::NONE);
  }
  auto a = join(*broker, "g");
  ASSERT_EQ(sync(*broker, "g", a, {assign(a.member_id, {0})}).error, rpc::ErrorCode::NONE);
  EXPECT_EQ(commit(*broker, "g", a.member_id, a.generation_id, 5).error, rpc::ErrorCode::NONE);

  // A new member forces a new generation; A rejoins. A's old generation is now stale.
  auto b_broker = cluster.brokerClient();
  auto b_future = std::async(std::launch::async, [&] { return join(*b_broker, "g"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto a2 = join(*broker, "g", a.member_id);
  auto b = b_future.get();
  ASSERT_EQ(a2.error, rpc::ErrorCode::NONE);
  ASSERT_GT(a2.generation_id, a.generation_id);

  auto zombie = commit(*broker, "g", a.member_id, a.generation_id, 99);
  EXPECT_EQ(zombie.error, rpc::ErrorCode::ILLEGAL_GENERATION);
  EXPECT_NE(zombie.error_message.find("generation"), std::string::npos);

  rpc::FetchOffsetsRequest fetch;
  fetch.group_id = "g";
  rpc::FetchOffsetsResponse offsets;
  (*broker)->fetchOffsets(offsets, fetch);
  ASSERT_EQ(offsets.offsets.size(), 1u);
  EXPECT_EQ(offsets.offsets[0].offset, 5) << "the zombie's commit changed nothing";
}

TEST(GroupCoordinator, ResetIsRefusedWhileMembersAreActiveAndAllowedOnceEmpty) {
  TestCluster cluster;
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  auto a = join(*broker, "g");
  auto refused = commit(*broker, "g", "", -1, 0);
  EXPECT_EQ(refused.error, rpc::ErrorCode::GROUP_NOT_EMPTY);

  rpc::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = a.member_id;
  rpc::LeaveGroupResponse left;
  (*broker)->leaveGroup(left, leave);
  ASSERT_EQ(left.error, rpc::ErrorCode::NONE);
  EXPECT_EQ(commit(*broker, "g", "", -1, 0).error, rpc::ErrorCode::NONE);
}

// Every member of a group joins at the same time at each rebalance, through any broker, and
// every join locks the group's row in the metadata database. Concurrent joins of one group,
// and the first joins that create a group, must queue for it, never fail (a deadlock between
// two joins used to come back as an internal error).
TEST(GroupCoordinator, ConcurrentCallsOnOneGroupThroughTwoBrokersAllSucceed) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("t", 1);
  auto first = cluster.brokerClient(0);
  ASSERT_EQ(join(*first, "busy").error, rpc::ErrorCode::NONE);

  std::atomic<int> calls{0};
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto broker = cluster.brokerClient(t % 2);
      // 40 joins of the existing group, then the first joins of 20 new groups, which every
      // thread tries to create at about the same time.
      for (int i = 0; i < 60; ++i) {
        const std::string group = i < 40 ? "busy" : fmt::format("new-{}", i - 40);
        try {
          rpc::JoinGroupResponse response;
          (*broker)->joinGroup(response, joinRequest(group, ""));
          ++calls;
          if (response.error != rpc::ErrorCode::MEMBER_ID_REQUIRED) {
            std::lock_guard<std::mutex> lock(mutex);
            failures.push_back(response.error_message);
          }
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(e.what());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(calls.load(), 8 * 60);
  EXPECT_TRUE(failures.empty()) << failures.size() << " calls failed, e.g. " << failures.front();
}

TEST(GroupCoordinator, CommitNamesUnknownTopicsAndChangesNothing) {
  TestCluster cluster;
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  rpc::CommitOffsetsRequest request;
  request.group_id = "g";
  request.generation_id = -1;
  rpc::OffsetCommitPartition good, bad;
  good.topic = "t";
  good.partition = 0;
  good.offset = 1;
  bad.topic = "t";
  bad.partition = 7;
  bad.offset = 1;
  request.offsets = {good, bad};
  rpc::CommitOffsetsResponse response;
  try {
    (*broker)->commitOffsets(response, request);
    ADD_FAILURE() << "commit to a missing partition accepted";
  } catch (const rpc::MqError& e) {
    EXPECT_EQ(e.code, rpc::ErrorCode::UNKNOWN_PARTITION);
  }
  rpc::FetchOffsetsRequest fetch;
  fetch.group_id = "g";
  rpc::FetchOffsetsResponse offsets;
  (*broker)->fetchOffsets(offsets, fetch);
  EXPECT_TRUE(offsets.offsets.empty()) << "all-or-nothing: the valid one was not stored";
}

TEST(GroupCoordinator, GroupCompletesThroughAnotherBrokerWhenItsBrokerDiesMidRebalance) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("t", 2);
  auto survivor = cluster.brokerClient(0);
  auto a = join(*survivor, "g");
  ASSERT_EQ(sync(*survivor, "g", a, {assign(a.member_id, {0, 1})}).error, rpc::ErrorCode::NONE);

  // B starts joining through broker 1, which is killed while B waits at the barrier.
  std::string b_member;
  {
    auto doomed = cluster.brokerClient(1, 2000);
    rpc::JoinGroupResponse first;
    (*doomed)->joinGroup(first, joinRequest("g", ""));
    ASSERT_EQ(first.error, rpc::ErrorCode::MEMBER_ID_REQUIRED);
    b_member = first.member_id;
    auto waiting = std::async(std::launch::async, [&] {
      rpc::JoinGroupResponse response;
      try {
        (*doomed)->joinGroup(response, joinRequest("g", b_member));
        return false;
      } catch (const std::exception&) {
        return true;  // the connection died with the broker
      }
    });
    // Killed only once broker 1 recorded B's join (the group then prepares a rebalance):
    // a kill before that would test a member that never joined.
    ASSERT_TRUE(eventually(std::chrono::seconds(5), [&] {
      rpc::DescribeGroupResponse described;
      (*survivor)->describeGroup(described, rpc::RequestHeader(), "g");
      return described.group.state == "PreparingRebalance";
    })) << "broker 1 never recorded B's join";
    cluster.broker(1).signal(SIGKILL);
    EXPECT_TRUE(waiting.get());
  }
  // B retries through the surviving broker with its member id; A rejoins; the group
  // completes the rebalance: nothing was lost with the dead broker.
  auto b_future = std::async(std::launch::async, [&] {
    auto client = cluster.brokerClient(0);
    return join(*client, "g", b_member);
  });
  auto a2 = join(*survivor, "g", a.member_id);
  auto b = b_future.get();
  ASSERT_EQ(a2.error, rpc::ErrorCode::NONE) << a2.error_message;
  ASSERT_EQ(b.error, rpc::ErrorCode::NONE) << b.error_message;
  EXPECT_EQ(a2.generation_id, b.generation_id);
  EXPECT_EQ(a2.generation_id, a.generation_id + 1);
}

// The database holding the group is killed with -9 and comes back after longer than the
// member's session. The first group call after the restart reaches a broker that made none
// during the outage (its connections were renewed by its own registration, so it never saw
// the database down): the time the database was down must not expire the member, who could
// not heartbeat then. The chaos test hit this once: a member expired that way kept reading
// its partitions while another member was given them.
TEST(GroupCoordinator, MemberKeepsItsSessionThroughADatabaseRestartLongerThanTheSession) {
  ClusterOptions options;
  options.brokers = 2;
  options.private_mariadb = true;
  TestCluster cluster(options);
  cluster.createTopic("t", 2);
  constexpr int kSessionMs = 8000;
  rpc::JoinGroupResponse a;
  {
    auto before = cluster.brokerClient(1);
    a = join(*before, "g", "", kSessionMs);
    ASSERT_EQ(a.error, rpc::ErrorCode::NONE) << a.error_message;
    ASSERT_EQ(sync(*before, "g", a, {assign(a.member_id, {0, 1})}).error, rpc::ErrorCode::NONE);
  }

  cluster.crashMariadb();
  std::this_thread::sleep_for(std::chrono::milliseconds(kSessionMs + 1000));
  MQ_RESTART_CRASHED_MARIADB(cluster.startMariadb());

  auto after = cluster.brokerClient(0);
  rpc::HeartbeatResponse beat;
  ASSERT_TRUE(eventually(std::chrono::seconds(kSessionMs / 1000), [&] {
    try {
      beat = heartbeat(*after, "g", a);
    } catch (const std::exception&) {
      return false;  // the broker's connection to the database is not back yet
    }
    return beat.error != rpc::ErrorCode::METADATA_UNAVAILABLE &&
           beat.error != rpc::ErrorCode::COORDINATOR_NOT_AVAILABLE;
  })) << "no heartbeat answered after the restart";
  EXPECT_EQ(beat.error, rpc::ErrorCode::NONE) << beat.error_message;
  rpc::DescribeGroupResponse described;
  (*after)->describeGroup(described, rpc::RequestHeader(), "g");
  EXPECT_EQ(described.group.state, "Stable");
  ASSERT_EQ(described.group.members.size(), 1u);
  EXPECT_EQ(described.group.members[0].member_id, a.member_id);
}

}  // namespace
}  // namespace mq::test
