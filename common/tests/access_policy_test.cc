// AccessPolicy (common/access_policy.h): which grants allow what, and which are refused.
#include "common/access_policy.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

AccessTokenRecord token(int64_t id, const std::string& name, const std::string& team) {
  AccessTokenRecord record;
  record.id = id;
  record.name = name;
  record.team = team;
  record.token_hash = "hash-" + name;
  return record;
}

AclGrant grant(ResourceType type, const std::string& resource, PrincipalType principal_type,
               const std::string& principal, Permission permission) {
  AclGrant g;
  g.resource_type = type;
  g.resource_name = resource;
  g.principal_type = principal_type;
  g.principal_name = principal;
  g.permission = permission;
  return g;
}

TEST(AccessPolicy, TokenGetsItsOwnAndItsTeamsGrantsOnly) {
  AccessPolicy policy(
      {token(1, "writer", "payments"), token(2, "reader", "analytics")},
      {grant(ResourceType::kTopic, "orders", PrincipalType::kToken, "writer", Permission::kProduce),
       grant(ResourceType::kTopic, "orders.*", PrincipalType::kTeam, "analytics",
             Permission::kConsume)});
  const AccessPrincipal* writer = policy.find("hash-writer");
  const AccessPrincipal* reader = policy.find("hash-reader");
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(policy.find("hash-nobody"), nullptr);
  EXPECT_TRUE(writer->allows(ResourceType::kTopic, "orders", Permission::kProduce));
  EXPECT_FALSE(writer->allows(ResourceType::kTopic, "orders", Permission::kConsume));
  EXPECT_FALSE(writer->allows(ResourceType::kTopic, "orders2", Permission::kProduce));
  EXPECT_FALSE(writer->allows(ResourceType::kGroup, "orders", Permission::kProduce));
  EXPECT_TRUE(reader->allows(ResourceType::kTopic, "orders.eu", Permission::kConsume));
  EXPECT_FALSE(reader->allows(ResourceType::kTopic, "orders", Permission::kConsume))
      << "orders.* is a prefix of `orders.`, not of `orders`";
  EXPECT_FALSE(reader->allows(ResourceType::kTopic, "orders.eu", Permission::kProduce));
}

TEST(AccessPolicy, AdminImpliesProduceAndConsumeAndClusterAdminEverything) {
  AccessPolicy policy(
      {token(1, "owner", "t"), token(2, "root", "ops")},
      {grant(ResourceType::kGroup, "*", PrincipalType::kToken, "owner", Permission::kAdmin),
       grant(ResourceType::kCluster, "*", PrincipalType::kTeam, "ops", Permission::kAdmin)});
  const AccessPrincipal* owner = policy.find("hash-owner");
  EXPECT_TRUE(owner->allows(ResourceType::kGroup, "any", Permission::kConsume));
  EXPECT_FALSE(owner->allows(ResourceType::kTopic, "any", Permission::kConsume));
  const AccessPrincipal* root = policy.find("hash-root");
  EXPECT_TRUE(root->allows(ResourceType::kTopic, "x", Permission::kProduce));
  EXPECT_TRUE(root->allows(ResourceType::kGroup, "y", Permission::kAdmin));
}

TEST(AccessPolicy, BadGrantsAreNamedAndIgnoredWhenFoundInTheDatabase) {
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kTopic, "a*b", PrincipalType::kToken, "t", Permission::kProduce)));
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kCluster, "prod", PrincipalType::kToken, "t", Permission::kAdmin)));
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kTopic, "", PrincipalType::kToken, "t", Permission::kProduce)));
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kTopic, "x", PrincipalType::kTeam, "bad name", Permission::kProduce)));
  EXPECT_FALSE(grantProblem(
      grant(ResourceType::kTopic, "orders.*", PrincipalType::kTeam, "a-b", Permission::kProduce)));
  AccessPolicy policy(
      {token(1, "t", "team")},
      {grant(ResourceType::kTopic, "a*b", PrincipalType::kToken, "t", Permission::kProduce)});
  EXPECT_FALSE(policy.find("hash-t")->allows(ResourceType::kTopic, "axb", Permission::kProduce));
}

TEST(AccessPolicy, GrantProblemNamesTheFieldToBlame) {
  std::string field = "stale";
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kTopic, "x", PrincipalType::kToken, "bad name", Permission::kProduce),
      &field));
  EXPECT_EQ(field, "principal_name");
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kTopic, "a*b", PrincipalType::kToken, "t", Permission::kProduce),
      &field));
  EXPECT_EQ(field, "resource_name");
  EXPECT_TRUE(grantProblem(
      grant(ResourceType::kCluster, "prod", PrincipalType::kTeam, "ops", Permission::kAdmin),
      &field));
  EXPECT_EQ(field, "resource_name");
  EXPECT_FALSE(grantProblem(
      grant(ResourceType::kCluster, "*", PrincipalType::kTeam, "ops", Permission::kAdmin), &field));
  EXPECT_EQ(field, "");
}

TEST(AccessPolicy, NamesParseBothWays) {
  for (auto p : {Permission::kProduce, Permission::kConsume, Permission::kAdmin}) {
    EXPECT_EQ(parsePermission(permissionName(p)), p);
  }
  EXPECT_FALSE(parsePermission("write"));
  EXPECT_EQ(parseResourceType("cluster"), ResourceType::kCluster);
  EXPECT_EQ(parsePrincipalType("team"), PrincipalType::kTeam);
  EXPECT_FALSE(parsePrincipalType("user"));
}

}  // namespace
}  // namespace mq
