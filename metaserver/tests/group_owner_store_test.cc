// GroupOwnerStore against a real MariaDB: one owner per group, replaced by set, listed by
// group, and remove says whether there was one.
#include "metaserver/store/group_owner_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

GroupOwnerRecord owner(const std::string& group, const std::string& team) {
  return GroupOwnerRecord{group, team, 1000, "user:alice"};
}

class GroupOwnerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  GroupOwnerStore store_{db_.pool()};
};

TEST_F(GroupOwnerStoreTest, SetReplacesTheOwnerAndListIsByGroup) {
  store_.set(owner("shipping", "logistics"));
  store_.set(owner("billing", "payments"));
  GroupOwnerRecord moved = owner("billing", "finance");
  moved.assigned_by = "user:bob";
  moved.assigned_ms = 2000;
  store_.set(moved);

  const auto found = store_.find("billing");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->owner_team, "finance");
  EXPECT_EQ(found->assigned_by, "user:bob");
  EXPECT_EQ(found->assigned_ms, 2000);
  std::vector<std::string> listed;
  for (const auto& o : store_.list()) listed.push_back(o.group_id + ":" + o.owner_team);
  EXPECT_EQ(listed, (std::vector<std::string>{"billing:finance", "shipping:logistics"}));
  EXPECT_FALSE(store_.find("nobody"));
}

TEST_F(GroupOwnerStoreTest, RemoveSaysWhetherTheGroupHadAnOwner) {
  store_.set(owner("billing", "payments"));
  EXPECT_TRUE(store_.remove("billing"));
  EXPECT_FALSE(store_.remove("billing"));
  EXPECT_FALSE(store_.find("billing"));
  EXPECT_TRUE(store_.list().empty());
}

}  // namespace
}  // namespace mq
