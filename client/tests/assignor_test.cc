// The partition assignors as pure functions: coverage (every partition exactly once, only
// to subscribers), balance, stickiness, and cooperative-sticky's two-step moves.
#include "client/assignors/assignor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

using mq::client::AssignorMember;
using mq::client::GroupAssignment;
using mq::client::knownAssignors;
using mq::client::makeAssignor;
using mq::client::PartitionCounts;
using mq::client::RebalanceProtocol;
using mq::client::subscribes;
using mq::client::TopicPartition;

namespace mq {
namespace {

AssignorMember member(const std::string& id, std::vector<std::string> topics,
                      std::vector<TopicPartition> owned = {}) {
  AssignorMember m;
  m.member_id = id;
  m.topics = std::move(topics);
  m.owned = std::move(owned);
  return m;
}

std::vector<TopicPartition> partitions(const std::string& topic, std::vector<int> numbers) {
  std::vector<TopicPartition> out;
  for (int p : numbers) out.push_back(TopicPartition{topic, p});
  return out;
}

std::vector<TopicPartition> range(const std::string& topic, int from, int to) {
  std::vector<TopicPartition> out;
  for (int p = from; p < to; ++p) out.push_back(TopicPartition{topic, p});
  return out;
}

// Every partition of a subscribed topic exactly once, only to a subscriber.
void expectCovered(const GroupAssignment& assignment, const PartitionCounts& counts,
                   const std::vector<AssignorMember>& members) {
  std::map<TopicPartition, int> seen;
  for (const auto& [id, tps] : assignment) {
    auto m = std::find_if(members.begin(), members.end(),
                          [&id = id](const AssignorMember& x) { return x.member_id == id; });
    ASSERT_NE(m, members.end()) << "assignment for an unknown member " << id;
    for (const auto& tp : tps) {
      ++seen[tp];
      EXPECT_TRUE(subscribes(*m, tp.topic)) << id << " got " << tp.toString();
    }
  }
  for (const auto& [topic, count] : counts) {
    bool wanted =
        std::any_of(members.begin(), members.end(),
                    [&topic = topic](const AssignorMember& m) { return subscribes(m, topic); });
    for (int p = 0; p < count; ++p) {
      const int expected = wanted ? 1 : 0;
      EXPECT_EQ(seen[(TopicPartition{topic, p})], expected) << topic << "-" << p;
    }
  }
  EXPECT_EQ(assignment.size(), members.size()) << "every member has an entry";
}

size_t spread(const GroupAssignment& assignment) {
  size_t lo = SIZE_MAX, hi = 0;
  for (const auto& [id, tps] : assignment) {
    lo = std::min(lo, tps.size());
    hi = std::max(hi, tps.size());
  }
  return hi - lo;
}

// Partitions taken from a member that is still in the group (placing a partition that was
// unowned, or owned by a member that left, is not a move).
int moves(const GroupAssignment& before, const GroupAssignment& after) {
  std::map<TopicPartition, std::string> owner;
  for (const auto& [id, tps] : before) {
    for (const auto& tp : tps) owner[tp] = id;
  }
  int moved = 0;
  for (const auto& [id, tps] : after) {
    for (const auto& tp : tps) {
      auto it = owner.find(tp);
      if (it != owner.end() && it->second != id && after.count(it->second)) ++moved;
    }
  }
  return moved;
}

std::vector<AssignorMember> withOwned(std::vector<AssignorMember> members,
                                      const GroupAssignment& assignment) {
  for (auto& m : members) {
    auto it = assignment.find(m.member_id);
    m.owned = it == assignment.end() ? std::vector<TopicPartition>{} : it->second;
  }
  return members;
}

TEST(RangeAssignor, GivesEachMemberAConsecutiveRangePerTopic) {
  auto assignor = makeAssignor("range");
  std::vector<AssignorMember> members = {member("b", {"t", "u"}), member("a", {"t", "u"})};
  auto got = assignor->assign({{"t", 5}, {"u", 2}}, members);
  EXPECT_EQ(got["a"], (std::vector<TopicPartition>{{"t", 0}, {"t", 1}, {"t", 2}, {"u", 0}}));
  EXPECT_EQ(got["b"], (std::vector<TopicPartition>{{"t", 3}, {"t", 4}, {"u", 1}}));
  EXPECT_EQ(assignor->protocol(), RebalanceProtocol::kEager);
}

TEST(RangeAssignor, OnlySubscribersGetATopicsPartitions) {
  auto assignor = makeAssignor("range");
  std::vector<AssignorMember> members = {member("a", {"t"}), member("b", {"u"})};
  auto got = assignor->assign({{"t", 3}, {"u", 1}, {"v", 4}}, members);
  EXPECT_EQ(got["a"], range("t", 0, 3));
  EXPECT_EQ(got["b"], range("u", 0, 1));
  expectCovered(got, {{"t", 3}, {"u", 1}, {"v", 4}}, members);
}

TEST(RangeAssignor, StaticMembersKeepTheirPlaceAcrossRestarts) {
  auto assignor = makeAssignor("range");
  AssignorMember a = member("zz-new-id", {"t"});
  a.instance_id = "host-1";
  AssignorMember b = member("aa", {"t"});
  b.instance_id = "host-2";
  auto got = assignor->assign({{"t", 4}}, {a, b});
  EXPECT_EQ(got["zz-new-id"], range("t", 0, 2)) << "ordered by instance id, not member id";
  EXPECT_EQ(got["aa"], range("t", 2, 4));
}

TEST(RoundRobinAssignor, DealsPartitionsInTurnAcrossTopics) {
  auto assignor = makeAssignor("roundrobin");
  std::vector<AssignorMember> members = {member("a", {"t", "u"}), member("b", {"t", "u"}),
                                         member("c", {"t", "u"})};
  auto got = assignor->assign({{"t", 4}, {"u", 3}}, members);
  EXPECT_EQ(got["a"], (std::vector<TopicPartition>{{"t", 0}, {"t", 3}, {"u", 2}}));
  EXPECT_EQ(got["b"], (std::vector<TopicPartition>{{"t", 1}, {"u", 0}}));
  EXPECT_EQ(got["c"], (std::vector<TopicPartition>{{"t", 2}, {"u", 1}}));
}

TEST(StickyAssignor, BalancesAndKeepsOwnersWhenMembersJoin) {
  auto assignor = makeAssignor("sticky");
  std::vector<AssignorMember> two = {member("a", {"t"}), member("b", {"t"})};
  auto first = assignor->assign({{"t", 12}}, two);
  EXPECT_EQ(spread(first), 0u);
  auto four = withOwned(
      {member("a", {"t"}), member("b", {"t"}), member("c", {"t"}), member("d", {"t"})}, first);
  auto second = assignor->assign({{"t", 12}}, four);
  expectCovered(second, {{"t", 12}}, four);
  EXPECT_EQ(spread(second), 0u);
  EXPECT_EQ(moves(first, second), 6) << "only what the new members need moves";
  for (const auto& id : {"a", "b"}) {
    for (const auto& tp : second[id]) {
      EXPECT_NE(std::find(first[id].begin(), first[id].end(), tp), first[id].end())
          << id << " kept only partitions it owned";
    }
  }
}

TEST(StickyAssignor, SurvivorsKeepTheirPartitionsWhenAMemberDies) {
  auto assignor = makeAssignor("sticky");
  std::vector<AssignorMember> three = {member("a", {"t"}), member("b", {"t"}), member("c", {"t"})};
  auto first = assignor->assign({{"t", 12}}, three);
  auto survivors = withOwned({member("a", {"t"}), member("c", {"t"})}, first);
  auto second = assignor->assign({{"t", 12}}, survivors);
  expectCovered(second, {{"t", 12}}, survivors);
  EXPECT_EQ(spread(second), 0u);
  EXPECT_EQ(moves(first, second), 0) << "only the dead member's partitions were placed";
}

TEST(StickyAssignor, IgnoresClaimsOnPartitionsThatNoLongerQualify) {
  auto assignor = makeAssignor("sticky");
  // a claims a partition that does not exist and one of a topic it left; b and a both
  // claim t-0 (a stale claim): the first in member order keeps it.
  std::vector<AssignorMember> members = {member("a", {"t"}, {{"t", 0}, {"t", 9}, {"u", 0}}),
                                         member("b", {"t", "u"}, {{"t", 0}, {"t", 1}})};
  auto got = assignor->assign({{"t", 2}, {"u", 1}}, members);
  expectCovered(got, {{"t", 2}, {"u", 1}}, members);
  EXPECT_EQ(got["a"], partitions("t", {0}));
}

TEST(CooperativeStickyAssignor, NeverGivesAnOwnedPartitionToAnotherMember) {
  auto assignor = makeAssignor("cooperative-sticky");
  EXPECT_EQ(assignor->protocol(), RebalanceProtocol::kCooperative);
  std::vector<AssignorMember> members = {member("a", {"t"}, range("t", 0, 12)), member("b", {"t"})};
  auto first = assignor->assign({{"t", 12}}, members);
  EXPECT_EQ(first["a"].size(), 6u) << "a keeps half";
  EXPECT_TRUE(first["b"].empty()) << "the other half goes to nobody in this rebalance";

  // a revokes what it lost and rejoins; the second rebalance places the freed partitions.
  auto second = assignor->assign({{"t", 12}}, withOwned(members, first));
  expectCovered(second, {{"t", 12}}, members);
  EXPECT_EQ(second["a"], first["a"]) << "unmoved partitions stay put";
  EXPECT_EQ(second["b"].size(), 6u);
}

// Simulates a group of cooperative members through joins and departures: in every
// rebalance no partition is assigned to a member other than its current owner, and after
// the follow-up rebalance the group is complete and balanced.
TEST(CooperativeStickyAssignor, ScalingUpAndDownConvergesWithoutDoubleOwnership) {
  auto assignor = makeAssignor("cooperative-sticky");
  const PartitionCounts counts{{"t", 12}};
  GroupAssignment owned;
  auto rebalance = [&](const std::vector<std::string>& ids) {
    std::vector<AssignorMember> members;
    for (const auto& id : ids) members.push_back(member(id, {"t"}, owned[id]));
    GroupAssignment next = assignor->assign(counts, members);
    // No partition goes to anyone but its owner while it is owned.
    std::map<TopicPartition, std::string> owner;
    for (const auto& id : ids) {
      for (const auto& tp : owned[id]) owner[tp] = id;
    }
    for (const auto& [id, tps] : next) {
      for (const auto& tp : tps) {
        auto it = owner.find(tp);
        EXPECT_TRUE(it == owner.end() || it->second == id) << tp.toString() << " to " << id;
      }
    }
    // Members keep only what they were given (revoking the rest).
    GroupAssignment kept;
    for (const auto& id : ids) kept[id] = next[id];
    owned = kept;
    return next;
  };
  for (const auto& ids : std::vector<std::vector<std::string>>{
           {"a"}, {"a", "b", "c", "d"}, {"a", "b", "c", "d"}, {"a", "c"}, {"a", "c"}}) {
    rebalance(ids);
  }
  std::vector<AssignorMember> final_members = {member("a", {"t"}), member("c", {"t"})};
  expectCovered(owned, counts, final_members);
  EXPECT_EQ(spread(owned), 0u);
}

TEST(Assignors, EveryAssignorCoversEveryPartitionOnceForRandomGroups) {
  std::mt19937 random(7);
  for (const auto& name : knownAssignors()) {
    auto assignor = makeAssignor(name);
    ASSERT_NE(assignor, nullptr) << name;
    EXPECT_EQ(assignor->name(), name);
    for (int round = 0; round < 200; ++round) {
      PartitionCounts counts;
      const std::vector<std::string> topics = {"a", "b", "c"};
      for (const auto& t : topics) counts[t] = static_cast<int>(random() % 9);
      std::vector<AssignorMember> members;
      const int n = 1 + static_cast<int>(random() % 6);
      for (int i = 0; i < n; ++i) {
        std::vector<std::string> subscribed;
        for (const auto& t : topics) {
          if (random() % 2) subscribed.push_back(t);
        }
        std::vector<TopicPartition> claims;
        for (int k = 0; k < 3; ++k) {
          claims.push_back(TopicPartition{topics[random() % 3], static_cast<int>(random() % 9)});
        }
        members.push_back(member("m" + std::to_string(i), subscribed, claims));
      }
      auto got = assignor->assign(counts, members);
      if (assignor->protocol() == RebalanceProtocol::kEager) {
        expectCovered(got, counts, members);
      }
      EXPECT_EQ(got, assignor->assign(counts, members)) << name << ": deterministic";
    }
  }
  EXPECT_EQ(makeAssignor("nonsense"), nullptr);
}

TEST(Assignors, UniformSubscriptionsAreBalancedByTheBalancedAssignors) {
  for (const char* name : {"roundrobin", "sticky"}) {
    auto assignor = makeAssignor(name);
    for (int members = 1; members <= 10; ++members) {
      std::vector<AssignorMember> group;
      for (int i = 0; i < members; ++i)
        group.push_back(member("m" + std::to_string(i), {"t", "u"}));
      auto got = assignor->assign({{"t", 7}, {"u", 100}}, group);
      EXPECT_LE(spread(got), 1u) << name << " with " << members << " members";
    }
  }
}

}  // namespace
}  // namespace mq
