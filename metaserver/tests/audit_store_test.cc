// AuditStore against a real MariaDB (rows written by MetaStore::audit, as every change writes
// them): newest first, exact filters, an empty side read back as "", and pages both ways.
#include "metaserver/store/audit_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/meta_store.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    applyMigrations(db_.pool(), metaMigrations());
    meta_.audit("user:alice", "topic.create", "topic:orders", "", R"({"partitions":4})");
    meta_.audit("user:bob", "topic.create", "topic:payments", "", R"({"partitions":2})");
    meta_.audit("user:alice", "topic.delete", "topic:orders", R"({"partitions":4})", "");
    meta_.audit("token:ci", "acl.grant", "topic:payments", "", R"({"permission":"produce"})");
  }

  static std::vector<std::string> actions(const std::vector<AuditRecord>& rows) {
    std::vector<std::string> found;
    for (const auto& r : rows) found.push_back(r.actor + " " + r.action + " " + r.object);
    return found;
  }

  test::TestDatabase db_;
  MetaStore meta_{db_.pool()};
  AuditStore audit_{db_.pool()};
};

TEST_F(AuditStoreTest, RowsComeNewestFirstAndFiltersAreExact) {
  EXPECT_EQ(actions(audit_.list({})),
            (std::vector<std::string>{
                "token:ci acl.grant topic:payments", "user:alice topic.delete topic:orders",
                "user:bob topic.create topic:payments", "user:alice topic.create topic:orders"}));
  AuditQuery by_actor;
  by_actor.actor = "user:alice";
  EXPECT_EQ(actions(audit_.list(by_actor)),
            (std::vector<std::string>{"user:alice topic.delete topic:orders",
                                      "user:alice topic.create topic:orders"}));
  AuditQuery by_object_and_action;
  by_object_and_action.object = "topic:payments";
  by_object_and_action.action = "topic.create";
  EXPECT_EQ(actions(audit_.list(by_object_and_action)),
            (std::vector<std::string>{"user:bob topic.create topic:payments"}));
  AuditQuery prefix;
  prefix.actor = "user:al";  // exact, not a prefix
  EXPECT_TRUE(audit_.list(prefix).empty());
}

TEST_F(AuditStoreTest, AnEmptySideReadsBackEmpty) {
  AuditQuery deletes;
  deletes.action = "topic.delete";
  const auto rows = audit_.list(deletes);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].before_json, R"({"partitions":4})");
  EXPECT_EQ(rows[0].after_json, "");
  EXPECT_GT(rows[0].at_ms, 0);
}

TEST_F(AuditStoreTest, PagesGoOlderWithBeforeIdAndNewerWithAfterId) {
  AuditQuery first;
  first.limit = 2;
  const auto newest = audit_.list(first);
  ASSERT_EQ(newest.size(), 2u);
  AuditQuery older;
  older.limit = 2;
  older.before_id = newest.back().id;
  EXPECT_EQ(actions(audit_.list(older)),
            (std::vector<std::string>{"user:bob topic.create topic:payments",
                                      "user:alice topic.create topic:orders"}));
  AuditQuery newer;
  newer.limit = 1;
  newer.after_id = audit_.list(older).back().id;  // the oldest row
  EXPECT_EQ(actions(audit_.list(newer)),
            (std::vector<std::string>{"user:bob topic.create topic:payments"}));  // the next one
}

}  // namespace
}  // namespace mq
