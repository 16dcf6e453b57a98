// GroupStore against a real MariaDB: a database of its own with the metadata migrations, and
// the statements each caller relies on (the coordinator's steps, the lag collector's and the
// message trace's reads, retention's offset resets, topic deletion).
#include "storage/group_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

rpc::OffsetCommitPartition offset(const std::string& topic, int partition, int64_t next) {
  rpc::OffsetCommitPartition p;
  p.topic = topic;
  p.partition = partition;
  p.offset = next;
  return p;
}

class GroupStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  // Creates `group` with one joined member subscribed to `topics`, committing `offsets`.
  void createGroup(const std::string& group, const std::vector<std::string>& topics,
                   const std::vector<rpc::OffsetCommitPartition>& offsets) {
    store_.mutate(group, true, [&](GroupState& state, DbConnection& db) {
      state.exists = true;
      state.dirty = true;
      state.state = GroupStateName::kStable;
      state.generation = 1;
      state.protocol = "range";
      GroupMember member;
      member.member_id = group + "-m1";
      member.client_id = "test";
      member.joined = true;
      member.dirty = true;
      rpc::GroupProtocol protocol;
      protocol.name = "range";
      protocol.subscription.topics = topics;
      member.protocols = {protocol};
      state.members[member.member_id] = member;
      state.leader_id = member.member_id;
      GroupStore::writeOffsets(db, group, offsets, 1000);
    });
  }

  std::vector<CommittedOffsetRow> offsetsOn(const std::string& topic) {
    auto db = db_.pool().acquire();
    return GroupStore::committedOffsets(*db, topic);
  }

  test::TestDatabase db_;
  GroupStore store_{db_.pool()};
};

TEST_F(GroupStoreTest, AMutatedGroupLoadsBackWithItsMembersAndOffsets) {
  createGroup("g", {"orders"}, {offset("orders", 0, 5), offset("orders", 1, 7)});
  const GroupState loaded = store_.load("g");
  ASSERT_TRUE(loaded.exists);
  EXPECT_EQ(loaded.state, GroupStateName::kStable);
  EXPECT_EQ(loaded.generation, 1);
  ASSERT_EQ(loaded.members.size(), 1u);
  EXPECT_EQ(loaded.members.begin()->second.protocols.at(0).subscription.topics,
            std::vector<std::string>{"orders"});

  rpc::TopicPartitions wanted;
  wanted.topic = "orders";
  wanted.partitions = {1, 2};
  const auto fetched = store_.fetchOffsets("g", {wanted});
  ASSERT_EQ(fetched.size(), 2u);
  EXPECT_EQ(fetched[0].partition, 1);
  EXPECT_EQ(fetched[0].offset, 7);
  EXPECT_EQ(fetched[1].partition, 2);
  EXPECT_EQ(fetched[1].offset, -1);  // nothing committed there

  EXPECT_FALSE(store_.load("other").exists);
}

TEST_F(GroupStoreTest, TheMetaserverReadsEveryOffsetInOrderAndByPartition) {
  createGroup("b", {"orders"}, {offset("orders", 1, 3), offset("orders", 0, 2)});
  createGroup("a", {"orders", "audit"}, {offset("orders", 0, 9), offset("audit", 0, 1)});
  auto db = db_.pool().acquire();
  const auto all = GroupStore::committedOffsets(*db);
  ASSERT_EQ(all.size(), 4u);
  std::vector<std::string> order;
  for (const auto& row : all)
    order.push_back(row.group_id + "/" + row.topic + "/" + std::to_string(row.partition));
  EXPECT_EQ(order,
            (std::vector<std::string>{"a/audit/0", "a/orders/0", "b/orders/0", "b/orders/1"}));
  const auto partition0 = GroupStore::committedOffsets(*db, "orders", 0);
  ASSERT_EQ(partition0.size(), 2u);
  EXPECT_EQ(partition0[0].group_id, "a");
  EXPECT_EQ(partition0[0].offset, 9);
  EXPECT_EQ(partition0[1].group_id, "b");
  EXPECT_EQ(offsetsOn("orders").size(), 3u);

  const auto groups = GroupStore::groups(*db);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups.at("a").members, 1);
  EXPECT_EQ(groups.at("a").subscribed_topics, (std::set<std::string>{"audit", "orders"}));
  EXPECT_EQ(groups.at("b").state, "Stable");
}

TEST_F(GroupStoreTest, RetentionResetsOnlyAnOffsetStillBelowAndRecordsIt) {
  createGroup("g", {"orders"}, {offset("orders", 0, 5)});
  // Below 10: moved to 10, and the old offset is returned.
  EXPECT_EQ(store_.resetCommittedOffset("g", "orders", 0, 10, 10, "earliest", "retention"), 5);
  EXPECT_EQ(offsetsOn("orders").at(0).offset, 10);
  // Not below 8 any more (a commit made meanwhile wins): nothing changes.
  EXPECT_EQ(store_.resetCommittedOffset("g", "orders", 0, 8, 8, "earliest", "retention"),
            std::nullopt);
  EXPECT_EQ(offsetsOn("orders").at(0).offset, 10);
  const auto events = store_.offsetResetEvents("g", "", 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].old_offset, 5);
  EXPECT_EQ(events[0].new_offset, 10);
  EXPECT_EQ(events[0].policy, "earliest");
  EXPECT_TRUE(store_.offsetResetEvents("other", "", 10).empty());
}

TEST_F(GroupStoreTest, DeletingATopicDeletesItsOffsetsAndNamesTheGroups) {
  createGroup("a", {"orders", "audit"}, {offset("orders", 0, 9), offset("audit", 0, 1)});
  createGroup("b", {"audit"}, {offset("audit", 0, 4)});
  auto db = db_.pool().acquire();
  EXPECT_EQ(GroupStore::deleteTopicOffsets(*db, "orders"), std::vector<std::string>{"a"});
  EXPECT_TRUE(offsetsOn("orders").empty());
  EXPECT_EQ(offsetsOn("audit").size(), 2u);
}

TEST_F(GroupStoreTest, ADeletedGroupLeavesNoRowsBehind) {
  createGroup("g", {"orders"}, {offset("orders", 0, 5)});
  store_.mutate("g", false, [](GroupState& state, DbConnection& db) {
    ASSERT_TRUE(state.exists);
    GroupStore::deleteGroup(db, state.group_id);
  });
  EXPECT_FALSE(store_.load("g").exists);
  EXPECT_TRUE(offsetsOn("orders").empty());
  EXPECT_TRUE(store_.listGroups().empty());
}

}  // namespace
}  // namespace mq
