// AccessStore against a real MariaDB: token names and secrets are unique, removing a token removes
// the grants made to it by name, use times only rise, grants are unique and listed in order.
#include "storage/access_store.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

AccessTokenRecord token(const std::string& name, const std::string& team) {
  AccessTokenRecord t;
  t.name = name;
  t.team = team;
  t.token_hash = name + std::string(64 - name.size(), '0');  // unique per name, as a SHA-256
  t.created_ms = 1000;
  t.created_by = "test";
  return t;
}

AclGrant grant(const std::string& topic, PrincipalType type, const std::string& principal,
               Permission permission) {
  AclGrant g;
  g.resource_type = ResourceType::kTopic;
  g.resource_name = topic;
  g.principal_type = type;
  g.principal_name = principal;
  g.permission = permission;
  g.created_ms = 1000;
  g.created_by = "test";
  return g;
}

class AccessStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  AccessStore store_{db_.pool()};
};

TEST_F(AccessStoreTest, TokenNamesAreUniqueAndListedByTeam) {
  auto first = token("writer", "payments");
  ASSERT_TRUE(store_.insertToken(first));
  EXPECT_GT(first.id, 0);
  auto again = token("writer", "billing");
  EXPECT_FALSE(store_.insertToken(again));  // nothing changed
  auto same_secret = token("copy", "payments");
  same_secret.token_hash = first.token_hash;
  EXPECT_FALSE(store_.insertToken(same_secret));  // one secret never names two tokens
  auto other = token("reader", "billing");
  ASSERT_TRUE(store_.insertToken(other));

  EXPECT_EQ(store_.findToken("writer")->team, "payments");
  EXPECT_FALSE(store_.findToken("nobody"));
  EXPECT_EQ(store_.listTokens().size(), 2u);
  ASSERT_EQ(store_.listTokens("billing").size(), 1u);
  EXPECT_EQ(store_.listTokens("billing")[0].name, "reader");
}

TEST_F(AccessStoreTest, UseTimesOnlyRise) {
  auto t = token("writer", "payments");
  ASSERT_TRUE(store_.insertToken(t));
  store_.recordUse({{t.id, 5000}});
  store_.recordUse({{t.id, 4000}});  // an older report does not move it back
  EXPECT_EQ(store_.findToken("writer")->last_used_ms, 5000);
}

TEST_F(AccessStoreTest, RemovingATokenRemovesTheGrantsMadeToItByName) {
  auto t = token("writer", "payments");
  ASSERT_TRUE(store_.insertToken(t));
  ASSERT_TRUE(
      store_.insertGrant(grant("orders", PrincipalType::kToken, "writer", Permission::kProduce)));
  ASSERT_TRUE(
      store_.insertGrant(grant("orders", PrincipalType::kTeam, "payments", Permission::kConsume)));
  EXPECT_TRUE(store_.removeToken("writer"));
  EXPECT_FALSE(store_.removeToken("writer"));
  const auto grants = store_.listGrants();
  ASSERT_EQ(grants.size(), 1u);  // the team's grant stays
  EXPECT_EQ(grants[0].principal_type, PrincipalType::kTeam);
}

TEST_F(AccessStoreTest, GrantsAreUniqueAndRemovedOneByOne) {
  const auto produce = grant("orders", PrincipalType::kTeam, "payments", Permission::kProduce);
  const auto consume = grant("orders", PrincipalType::kTeam, "payments", Permission::kConsume);
  ASSERT_TRUE(store_.insertGrant(produce));
  EXPECT_FALSE(store_.insertGrant(produce));
  ASSERT_TRUE(store_.insertGrant(consume));
  EXPECT_EQ(store_.listGrants().size(), 2u);
  EXPECT_TRUE(store_.removeGrant(produce));
  EXPECT_FALSE(store_.removeGrant(produce));
  ASSERT_EQ(store_.listGrants().size(), 1u);
  EXPECT_EQ(store_.listGrants()[0].permission, Permission::kConsume);
}

}  // namespace
}  // namespace mq
