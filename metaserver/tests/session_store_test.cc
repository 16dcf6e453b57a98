// SessionStore against a real MariaDB: a session is live until it expires and while its user
// exists; sessions go one by one, by user, or once expired.
#include "metaserver/store/session_store.h"

#include <gtest/gtest.h>

#include <string>

#include "metaserver/store/user_store.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    applyMigrations(db_.pool(), metaMigrations());
    for (const char* name : {"alice", "bob"}) {
      UserRecord user;
      user.name = name;
      user.password_hash = "hash";
      user.created_ms = 1000;
      ASSERT_TRUE(users_.insertUser(user));
    }
  }

  static SessionRecord session(const std::string& hash, const std::string& user,
                               int64_t expires_ms) {
    return SessionRecord{hash, user, "csrf-" + hash, 1000, expires_ms};
  }

  test::TestDatabase db_;
  UserStore users_{db_.pool()};
  SessionStore sessions_{db_.pool()};
};

TEST_F(SessionStoreTest, ASessionIsLiveUntilItExpires) {
  sessions_.insert(session("h1", "alice", 5000));
  const auto live = sessions_.findLive("h1", 4999);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->user_name, "alice");
  EXPECT_EQ(live->csrf_token, "csrf-h1");
  EXPECT_EQ(live->expires_ms, 5000);
  EXPECT_FALSE(sessions_.findLive("h1", 5000));
  EXPECT_FALSE(sessions_.findLive("unknown", 1000));
}

TEST_F(SessionStoreTest, ADeletedUsersSessionsAreNoLongerLive) {
  sessions_.insert(session("h1", "alice", 5000));
  ASSERT_TRUE(users_.deleteUser("alice"));
  EXPECT_FALSE(sessions_.findLive("h1", 1000));
}

TEST_F(SessionStoreTest, SessionsGoOneByOneByUserOrOnceExpired) {
  sessions_.insert(session("a1", "alice", 5000));
  sessions_.insert(session("a2", "alice", 9000));
  sessions_.insert(session("b1", "bob", 3000));
  sessions_.insert(session("b2", "bob", 9000));

  EXPECT_TRUE(sessions_.remove("a1"));
  EXPECT_FALSE(sessions_.remove("a1"));
  EXPECT_EQ(sessions_.removeExpired(4000), 1);  // b1
  EXPECT_FALSE(sessions_.findLive("b1", 1000));
  EXPECT_TRUE(sessions_.findLive("b2", 1000));
  EXPECT_EQ(sessions_.removeUser("alice"), 1);  // a2
  EXPECT_FALSE(sessions_.findLive("a2", 1000));
  EXPECT_TRUE(sessions_.findLive("b2", 1000));
}

}  // namespace
}  // namespace mq
