// QuotaStore against a real MariaDB: upsert replaces an entity's entry, list orders by type
// and name, remove says whether there was one.
#include "storage/quota_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

QuotaDefinition quota(QuotaEntityType type, const std::string& name, int64_t produce) {
  QuotaDefinition q;
  q.entity_type = type;
  q.entity_name = name;
  q.produce_bytes_per_sec = produce;
  q.updated_ms = 1000;
  q.updated_by = "test";
  return q;
}

class QuotaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  QuotaStore store_{db_.pool()};
};

TEST_F(QuotaStoreTest, UpsertReplacesAnEntitysEntryAndListOrdersByTypeAndName) {
  store_.upsert(quota(QuotaEntityType::kTopic, "orders", 100));
  store_.upsert(quota(QuotaEntityType::kClient, "b", 200));
  store_.upsert(quota(QuotaEntityType::kClient, "a", 300));
  store_.upsert(quota(QuotaEntityType::kClient, "b", 250));  // replaces b's entry

  const auto listed = store_.list();
  ASSERT_EQ(listed.size(), 3u);
  std::vector<std::string> names;
  for (const auto& q : listed) names.push_back(q.entity_name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "orders"}));
  EXPECT_EQ(listed[1].produce_bytes_per_sec, 250);
  EXPECT_EQ(listed[1].updated_by, "test");
  EXPECT_EQ(listed[2].entity_type, QuotaEntityType::kTopic);
}

TEST_F(QuotaStoreTest, RemoveSaysWhetherThereWasAnEntry) {
  store_.upsert(quota(QuotaEntityType::kClient, "a", 300));
  EXPECT_FALSE(store_.remove(QuotaEntityType::kTopic, "a"));  // same name, other type
  EXPECT_TRUE(store_.remove(QuotaEntityType::kClient, "a"));
  EXPECT_FALSE(store_.remove(QuotaEntityType::kClient, "a"));
  EXPECT_TRUE(store_.list().empty());
}

}  // namespace
}  // namespace mq
