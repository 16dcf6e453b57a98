// DeadLetterStore against a real MariaDB: one row per (group, topic), found by the pair or by
// either of its topic names, a name never used by two pairs, and lists by group.
#include "metaserver/store/dead_letter_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

DeadLetterRecord pair(const std::string& group, const std::string& topic) {
  DeadLetterRecord r;
  r.group_id = group;
  r.topic = topic;
  r.retry_topic = topic + ".retry." + group;
  r.dead_letter_topic = topic + ".dlq." + group;
  r.owner_team = "payments";
  r.created_ms = 1000;
  return r;
}

class DeadLetterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  DeadLetterStore store_{db_.pool()};
};

TEST_F(DeadLetterStoreTest, APairIsFoundByItselfOrByEitherOfItsTopics) {
  ASSERT_TRUE(store_.insert(pair("billing", "orders")));
  const auto found = store_.find("billing", "orders");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->retry_topic, "orders.retry.billing");
  EXPECT_EQ(found->dead_letter_topic, "orders.dlq.billing");
  EXPECT_EQ(found->owner_team, "payments");
  EXPECT_EQ(store_.findByTopicName("orders.retry.billing")->group_id, "billing");
  EXPECT_EQ(store_.findByTopicName("orders.dlq.billing")->topic, "orders");
  EXPECT_FALSE(store_.findByTopicName("orders"));  // the original topic is not the pair's
  EXPECT_FALSE(store_.find("billing", "payments"));
}

TEST_F(DeadLetterStoreTest, APairIsInsertedOnceAndItsNamesAreNeverShared) {
  ASSERT_TRUE(store_.insert(pair("billing", "orders")));
  EXPECT_FALSE(store_.insert(pair("billing", "orders")));
  DeadLetterRecord clash = pair("shipping", "orders");
  clash.dead_letter_topic = "orders.dlq.billing";  // billing's dead-letter topic
  EXPECT_FALSE(store_.insert(clash));
  EXPECT_FALSE(store_.find("shipping", "orders"));
}

TEST_F(DeadLetterStoreTest, ListsEveryPairOrOneGroupsByGroupAndTopic) {
  ASSERT_TRUE(store_.insert(pair("shipping", "orders")));
  ASSERT_TRUE(store_.insert(pair("billing", "payments")));
  ASSERT_TRUE(store_.insert(pair("billing", "orders")));
  std::vector<std::string> all;
  for (const auto& r : store_.list("")) all.push_back(r.group_id + "/" + r.topic);
  EXPECT_EQ(all,
            (std::vector<std::string>{"billing/orders", "billing/payments", "shipping/orders"}));
  EXPECT_EQ(store_.list("billing").size(), 2u);
  EXPECT_TRUE(store_.list("nobody").empty());
}

}  // namespace
}  // namespace mq
