// The consumer groups' standby against a real MariaDB: a database of its own with the datanode
// migrations (sql/datanode/009 gives every datanode the group tables and the mode row). What
// the broker's failover relies on: activation and its quiet time after a hand-back, copies
// that never go back to an older version, offsets where the newest commit wins, and the list
// of groups changed while active.
#include "storage/group_standby_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/embedded_sql.h"
#include "storage/group_store.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

using Activation = GroupStandbyStore::Activation;

GroupState groupAt(const std::string& id, int64_t version, int generation,
                   const std::vector<std::string>& members, int64_t heartbeat_ms) {
  GroupState group;
  group.group_id = id;
  group.exists = true;
  group.state = GroupStateName::kStable;
  group.generation = generation;
  group.protocol = "range";
  group.version = version;
  for (const auto& member_id : members) {
    GroupMember member;
    member.member_id = member_id;
    member.client_id = member_id;
    member.joined = true;
    member.session_timeout_ms = 2000;
    member.last_heartbeat_ms = heartbeat_ms;
    group.members[member_id] = member;
  }
  if (!members.empty()) group.leader_id = members.front();
  return group;
}

rpc::CommittedOffset committed(const std::string& topic, int partition, int64_t offset,
                               int64_t committed_ms) {
  rpc::CommittedOffset o;
  o.topic = topic;
  o.partition = partition;
  o.offset = offset;
  o.committed_ms = committed_ms;
  return o;
}

class GroupStandbyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), datanodeMigrations()); }

  DbPool::Lease db() { return db_.pool().acquire(); }

  void put(const GroupState& group) {
    auto lease = db();
    DbTransaction transaction(lease);
    GroupStandbyStore::putGroup(*lease, group, 1000);
    transaction.commit();
  }

  bool active() {
    auto lease = db();
    DbTransaction transaction(lease);
    const bool is_active = GroupStandbyStore::active(*lease, /*exclusive=*/false);
    transaction.commit();
    return is_active;
  }

  test::TestDatabase db_;
};

TEST_F(GroupStandbyStoreTest, ActivatesOnceRestartsSessionsAndStaysQuietAfterAHandBack) {
  put(groupAt("g", 1, 1, {"m1", "m2"}, /*heartbeat_ms=*/1000));
  EXPECT_FALSE(active());

  auto lease = db();
  EXPECT_EQ(GroupStandbyStore::activate(*lease, 50'000, 5'000), Activation::kActivated);
  EXPECT_TRUE(active());
  EXPECT_EQ(GroupStandbyStore::activatedMs(*lease), 50'000);
  for (const auto& [id, member] : GroupStore::loadWith(*lease, "g", false).members) {
    EXPECT_EQ(member.last_heartbeat_ms, 50'000) << id << "'s session starts again";
  }
  EXPECT_EQ(GroupStandbyStore::activate(*lease, 51'000, 5'000), Activation::kAlreadyActive);

  GroupStandbyStore::deactivate(*lease, 60'000);
  EXPECT_FALSE(active());
  EXPECT_EQ(GroupStandbyStore::activate(*lease, 64'999, 5'000), Activation::kRefused)
      << "a broker that has not seen the metadata database back yet cannot take the groups";
  EXPECT_FALSE(active());
  EXPECT_EQ(GroupStandbyStore::activate(*lease, 65'000, 5'000), Activation::kActivated);
}

TEST_F(GroupStandbyStoreTest, ACopyNeverReplacesANewerVersion) {
  put(groupAt("g", 5, 3, {"m1", "m2"}, 1000));
  put(groupAt("g", 4, 2, {"m1"}, 1000));  // a slower broker's older copy arrives late
  auto lease = db();
  GroupState here = GroupStore::loadWith(*lease, "g", false);
  EXPECT_EQ(here.version, 5);
  EXPECT_EQ(here.generation, 3);
  EXPECT_EQ(here.members.size(), 2u);

  put(groupAt("g", 6, 4, {"m2", "m3"}, 1000));
  here = GroupStore::loadWith(*lease, "g", false);
  EXPECT_EQ(here.version, 6);
  EXPECT_EQ(here.generation, 4);
  ASSERT_EQ(here.members.size(), 2u) << "exactly the copy's members: m1 left";
  EXPECT_TRUE(here.members.count("m2") && here.members.count("m3"));
}

TEST_F(GroupStandbyStoreTest, CopiedOffsetsKeepTheNewestCommitOfEachPartition) {
  put(groupAt("g", 1, 1, {"m1"}, 1000));
  auto lease = db();
  GroupStore::copyOffsets(*lease, "g", {committed("t", 0, 100, 2000), committed("t", 1, 50, 2000)});
  // The other side committed partition 0 later and partition 1 earlier.
  GroupStore::copyOffsets(*lease, "g", {committed("t", 0, 120, 3000), committed("t", 1, 40, 1500)});
  const auto offsets = GroupStore::fetchOffsets(*lease, "g", {});
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets[0].offset, 120);
  EXPECT_EQ(offsets[0].committed_ms, 3000);
  EXPECT_EQ(offsets[1].offset, 50) << "an older commit does not take a partition back";
  EXPECT_EQ(offsets[1].committed_ms, 2000);
}

TEST_F(GroupStandbyStoreTest, TheGroupsChangedWhileActiveAreListedUntilTheHandBack) {
  put(groupAt("a", 1, 1, {"m1"}, 1000));
  put(groupAt("b", 1, 1, {"m1"}, 1000));
  auto lease = db();
  ASSERT_EQ(GroupStandbyStore::activate(*lease, 10'000, 5'000), Activation::kActivated);
  EXPECT_TRUE(GroupStandbyStore::changedGroups(*lease).empty());
  GroupStandbyStore::markChanged(*lease, "b");
  EXPECT_EQ(GroupStandbyStore::changedGroups(*lease), std::vector<std::string>{"b"});
  GroupStandbyStore::deactivate(*lease, 20'000);
  EXPECT_TRUE(GroupStandbyStore::changedGroups(*lease).empty());
}

}  // namespace
}  // namespace mq
