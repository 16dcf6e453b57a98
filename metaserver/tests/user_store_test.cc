// UserStore against a real MariaDB: names are unique, a user's teams come back sorted, one
// first admin however many metaservers race to create it, and memberships go with their
// user or team.
#include "metaserver/store/user_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

UserRecord user(const std::string& name, bool admin = false) {
  UserRecord u;
  u.name = name;
  u.password_hash = "hash-" + name;
  u.admin = admin;
  u.created_ms = 1000;
  u.password_ms = 1000;
  return u;
}

TeamRecord team(const std::string& name) {
  TeamRecord t;
  t.name = name;
  t.description = "the " + name + " team";
  t.created_ms = 1000;
  return t;
}

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  UserStore users_{db_.pool()};
};

TEST_F(UserStoreTest, NamesAreUniqueAndAUsersTeamsComeBackSorted) {
  ASSERT_TRUE(users_.insertTeam(team("payments")));
  ASSERT_TRUE(users_.insertTeam(team("billing")));
  EXPECT_FALSE(users_.insertTeam(team("billing")));
  UserRecord alice = user("alice");
  alice.teams = {"payments", "billing"};
  ASSERT_TRUE(users_.insertUser(alice));
  EXPECT_FALSE(users_.insertUser(user("alice")));

  const auto found = users_.findUser("alice");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->password_hash, "hash-alice");
  EXPECT_EQ(found->teams, (std::vector<std::string>{"billing", "payments"}));
  EXPECT_EQ(users_.findTeam("payments")->members, std::vector<std::string>{"alice"});
  EXPECT_FALSE(users_.findUser("nobody"));
}

TEST_F(UserStoreTest, MembershipsGoWithTheirUserOrTeam) {
  ASSERT_TRUE(users_.insertTeam(team("payments")));
  ASSERT_TRUE(users_.insertUser(user("alice")));
  ASSERT_TRUE(users_.insertUser(user("bob")));
  EXPECT_TRUE(users_.addMember("payments", "alice", 2000));
  EXPECT_FALSE(users_.addMember("payments", "alice", 2000));
  EXPECT_TRUE(users_.addMember("payments", "bob", 2000));
  EXPECT_EQ(users_.findTeam("payments")->members, (std::vector<std::string>{"alice", "bob"}));

  EXPECT_TRUE(users_.removeMember("payments", "bob"));
  EXPECT_FALSE(users_.removeMember("payments", "bob"));
  EXPECT_TRUE(users_.deleteUser("alice"));
  EXPECT_FALSE(users_.deleteUser("alice"));
  EXPECT_TRUE(users_.findTeam("payments")->members.empty());

  ASSERT_TRUE(users_.addMember("payments", "bob", 3000));
  EXPECT_TRUE(users_.deleteTeam("payments"));
  EXPECT_TRUE(users_.findUser("bob")->teams.empty());
}

TEST_F(UserStoreTest, SetPasswordReplacesTheHashAndItsTime) {
  ASSERT_TRUE(users_.insertUser(user("alice")));
  EXPECT_TRUE(users_.setPassword("alice", "new-hash", 5000));
  EXPECT_EQ(users_.findUser("alice")->password_hash, "new-hash");
  EXPECT_EQ(users_.findUser("alice")->password_ms, 5000);
  EXPECT_FALSE(users_.setPassword("nobody", "x", 5000));
}

TEST_F(UserStoreTest, MetaserversRacingToCreateTheFirstAdminCreateExactlyOne) {
  std::atomic<int> created{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> metaservers;
  for (int m = 0; m < 4; ++m) {
    metaservers.emplace_back([&, m] {
      while (!go) std::this_thread::yield();
      if (users_.insertFirstAdmin(user("admin-" + std::to_string(m)))) ++created;
    });
  }
  go = true;
  for (auto& t : metaservers) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(users_.adminCount(), 1);
  EXPECT_FALSE(users_.insertFirstAdmin(user("late-admin")));
  EXPECT_EQ(users_.listUsers().size(), 1u);
}

}  // namespace
}  // namespace mq
