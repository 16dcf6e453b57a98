// Access tokens, ACL grants and quotas through the portal's JSON API (docs/portal.md#access-
// tokens-and-grants, docs/security.md) with real processes: a metaserver with sign-in on and
// `auth = on`, a broker with `auth = on`, the suite's MariaDB. A team member issues a token
// (the secret is answered once; the database holds its SHA-256), grants it produce on the
// team's topic, and a real producer with that secret produces; after the revoke the broker
// refuses it. Refusals: another team (403), bad input (400 naming the field), duplicates
// (409), unknown things (404), all changing nothing; every change is in the audit log with the
// user as actor.
//
// Users: the first admin, alice (team payments), bob (team search).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/crypto.h"
#include "mq/client.h"
#include "server/security_config.h"
#include "storage/access_store.h"
#include "storage/db_pool.h"
#include "tests/harness/eventually.h"
#include "tests/harness/portal_client.h"
#include "tests/harness/test_cluster.h"

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

namespace pt = boost::property_tree;

// The grant the metaserver made at its first start with auth on (admins see it).
const std::string kBootstrapGrant = "admin cluster:* token:bootstrap-admin";

std::string workFile(const std::string& name) {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  return fmt::format("{}/portal_access_test-{}.{}", MQ_TEST_WORK_DIR, getpid(), name);
}

ClusterOptions securedPortalCluster() {
  std::filesystem::remove(workFile("admin-password"));
  std::filesystem::remove(workFile("bootstrap"));
  ClusterOptions options;
  options.broker_args = {"--auth", "on", "--auth-refresh", "500ms"};
  options.metaserver_args = {"--http-auth",
                             "on",
                             "--admin-password-file",
                             workFile("admin-password"),
                             "--auth",
                             "on",
                             "--auth-refresh",
                             "500ms",
                             "--bootstrap-token-file",
                             workFile("bootstrap")};
  options.admin_token_file = workFile("bootstrap");
  return options;
}

class PortalAccess : public ::testing::Test {
 protected:
  PortalAccess()
      : cluster_(securedPortalCluster()),
        admin_(cluster_.metaserverHttpPort()),
        alice_(cluster_.metaserverHttpPort()),
        bob_(cluster_.metaserverHttpPort()),
        anonymous_(cluster_.metaserverHttpPort()) {}
  ~PortalAccess() override {
    std::filesystem::remove(workFile("admin-password"));
    std::filesystem::remove(workFile("bootstrap"));
  }

  void SetUp() override {
    std::ifstream in(workFile("admin-password"));
    std::string password;
    ASSERT_TRUE(std::getline(in, password));
    ASSERT_EQ(setUpTwoTeams(admin_, password, alice_, bob_), "");
    auto created = alice_.post(
        "/api/topics", R"({"name":"payments.events","partitions":2,"owner_team":"payments"})");
    ASSERT_EQ(created.status, 201) << created.body;
    created = bob_.post("/api/topics",
                        R"({"name":"search.clicks","partitions":1,"owner_team":"search"})");
    ASSERT_EQ(created.status, 201) << created.body;
  }

  // Issues a token of `team` as `who`; returns the answer (201 with the secret).
  static PortalResponse issue(PortalClient& who, const std::string& name, const std::string& team) {
    return who.post("/api/tokens", fmt::format(R"({{"name":"{}","team":"{}","description":"{}"}})",
                                               name, team, "issued in a test"));
  }
  static std::string grantBody(const std::string& permission, const std::string& resource_type,
                               const std::string& resource, const std::string& principal_type,
                               const std::string& principal) {
    return fmt::format(
        R"({{"permission":"{}","resource_type":"{}","resource_name":"{}","principal_type":"{}","principal_name":"{}"}})",
        permission, resource_type, resource, principal_type, principal);
  }

  std::vector<std::string> tokenNames(PortalClient& who, const std::string& query = "") {
    std::vector<std::string> names;
    auto listed = who.get("/api/tokens" + query);
    EXPECT_EQ(listed.status, 200) << listed.body;
    const pt::ptree json = listed.json();
    for (const auto& [k, token] : json.get_child("tokens")) {
      names.push_back(token.get<std::string>("name"));
    }
    return names;
  }
  // "permission resource_type:resource_name principal_type:principal_name" of every grant
  // listed, sorted.
  std::vector<std::string> grants(PortalClient& who, const std::string& query = "") {
    std::vector<std::string> out;
    auto listed = who.get("/api/acls" + query);
    EXPECT_EQ(listed.status, 200) << listed.body;
    const pt::ptree json = listed.json();
    for (const auto& [k, g] : json.get_child("grants")) {
      out.push_back(
          fmt::format("{} {}:{} {}:{}", g.get<std::string>("permission"),
                      g.get<std::string>("resource_type"), g.get<std::string>("resource_name"),
                      g.get<std::string>("principal_type"), g.get<std::string>("principal_name")));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<pt::ptree> auditRows(const std::string& action) {
    std::vector<pt::ptree> rows;
    auto listed = admin_.get("/api/audit?action=" + action);
    EXPECT_EQ(listed.status, 200) << listed.body;
    const pt::ptree json = listed.json();
    for (const auto& [k, row] : json.get_child("entries")) rows.push_back(row);
    return rows;
  }
  int quotaCount() {
    auto listed = admin_.get("/api/quotas");
    EXPECT_EQ(listed.status, 200) << listed.body;
    return static_cast<int>(listed.json().get_child("quotas").size());
  }

  ProducerConfig producerConfig(const std::string& secret) {
    ProducerConfig config;
    config.metaserver = cluster_.metaserverAddress();
    config.token = secret;
    config.retries = 1;
    config.retry_backoff_max_ms = 100;
    config.delivery_timeout_ms = 10000;
    return config;
  }
  // Sends one message with `secret`; the error code (NONE when acknowledged).
  client::ErrorCode produce(const std::string& secret, const std::string& value,
                            std::string* message = nullptr) {
    try {
      Producer producer(producerConfig(secret));
      producer.send("payments.events", value);
      return client::ErrorCode::NONE;
    } catch (const Error& e) {
      if (message) *message = e.what();
      return e.code();
    }
  }
  // Every value stored in payments.events, read with the bootstrap admin token.
  std::vector<std::string> stored() {
    ConsumerConfig config;
    config.metaserver = cluster_.metaserverAddress();
    config.token = readSecretFile("bootstrap", workFile("bootstrap"));
    Consumer consumer(config);
    std::vector<TopicPartition> all = {{"payments.events", 0}, {"payments.events", 1}};
    consumer.assign(all);
    consumer.seekToBeginning(all);
    std::vector<std::string> values;
    for (int polls = 0; polls < 8; ++polls) {
      for (auto& m : consumer.poll(std::chrono::milliseconds(250))) values.push_back(m.value);
    }
    return values;
  }

  TestCluster cluster_;
  PortalClient admin_, alice_, bob_, anonymous_;
};

TEST_F(PortalAccess, TokenIssuedInThePortalProducesWithAGrantAndNotOnceRevoked) {
  auto issued = issue(alice_, "payments-writer", "payments");
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string secret = issued.json().get<std::string>("secret");
  ASSERT_EQ(secret.size(), 3u + 64u);
  EXPECT_EQ(secret.rfind("mq_", 0), 0u);
  EXPECT_EQ(issued.json().get<std::string>("token.team"), "payments");
  EXPECT_EQ(issued.json().get<std::string>("token.created_by"), "user:alice");

  // Shown once: no list answers the secret or its hash; the database holds only the hash.
  DbPool pool(cluster_.metaDb(), DbPoolOptions{});
  AccessStore store(pool);
  auto record = store.findToken("payments-writer");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->token_hash, sha256Hex(secret));
  for (PortalClient* who : {&alice_, &admin_}) {
    auto listed = who->get("/api/tokens?team=payments");
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(listed.body.find(secret), std::string::npos);
    EXPECT_EQ(listed.body.find(record->token_hash), std::string::npos);
    EXPECT_EQ(listed.body.find("secret"), std::string::npos);
    EXPECT_NE(listed.body.find("payments-writer"), std::string::npos);
  }

  // Without a grant the broker refuses by name (once the metaserver knows the token too:
  // it also refreshes every auth-refresh); with one from the portal it stores.
  std::string why;
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return produce(secret, "before the grant", &why) == client::ErrorCode::NOT_AUTHORIZED;
  })) << why;
  EXPECT_NE(why.find("payments-writer"), std::string::npos) << why;
  auto granted = alice_.post(
      "/api/acls", grantBody("produce", "topic", "payments.events", "token", "payments-writer"));
  ASSERT_EQ(granted.status, 201) << granted.body;
  EXPECT_EQ(granted.json().get<std::string>("created_by"), "user:alice");
  EXPECT_EQ(grants(alice_, "?team=payments"),
            std::vector<std::string>{"produce topic:payments.events token:payments-writer"});
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return produce(secret, "granted") == client::ErrorCode::NONE;
  })) << "the grant did not reach the broker";

  // A running producer: acknowledged before the revoke in the portal, refused by the broker
  // within its auth-refresh after it.
  Producer producer(producerConfig(secret));
  producer.send("payments.events", "before the revoke");
  auto revoked = alice_.call("DELETE", "/api/tokens/payments-writer");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_FALSE(store.findToken("payments-writer"));
  EXPECT_EQ(grants(admin_), std::vector<std::string>{kBootstrapGrant})
      << "revoking a token removes its grants";
  const auto revoked_at = std::chrono::steady_clock::now();
  int acknowledged_after = 0;
  client::ErrorCode refusal = client::ErrorCode::NONE;
  while (refusal == client::ErrorCode::NONE &&
         std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(10)) {
    try {
      producer.send("payments.events", "after the revoke " + std::to_string(acknowledged_after));
      ++acknowledged_after;  // the broker had not refreshed yet
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } catch (const Error& e) {
      refusal = e.code();
      why = e.what();
    }
  }
  EXPECT_EQ(refusal, client::ErrorCode::AUTHENTICATION_FAILED) << why;
  EXPECT_NE(why.find("unknown or revoked"), std::string::npos) << why;
  EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, std::chrono::seconds(3))
      << "auth-refresh is 500 ms";
  // Every acknowledged send is stored, nothing refused is.
  auto values = stored();
  EXPECT_EQ(values.size(), 2u + acknowledged_after);
  EXPECT_EQ(std::count(values.begin(), values.end(), "granted"), 1);
  EXPECT_EQ(std::count(values.begin(), values.end(), "before the revoke"), 1);

  // Audited like the Thrift calls, with the user as actor and never the secret.
  for (const char* action : {"token.create", "acl.grant", "token.revoke"}) {
    auto rows = auditRows(std::string(action) + "&user=alice");
    ASSERT_EQ(rows.size(), 1u) << action;
    EXPECT_EQ(rows[0].get<std::string>("actor"), "user:alice") << action;
    EXPECT_EQ(rows[0].get<std::string>("before").find(secret), std::string::npos);
    EXPECT_EQ(rows[0].get<std::string>("after").find(secret), std::string::npos);
  }
}

TEST_F(PortalAccess, TeamMembersManageOnlyTheirOwnTeamsTokensAndGrants) {
  ASSERT_EQ(issue(alice_, "payments-app", "payments").status, 201);
  ASSERT_EQ(issue(bob_, "search-app", "search").status, 201);

  // Another team's tokens: not listed, not issued, not revoked.
  auto listed = bob_.get("/api/tokens?team=payments");
  EXPECT_EQ(listed.status, 403);
  EXPECT_EQ(listed.errorField(), "team");
  EXPECT_EQ(tokenNames(bob_), std::vector<std::string>{"search-app"});
  auto refused = issue(bob_, "sneaky", "payments");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.errorField(), "team");
  EXPECT_EQ(bob_.call("DELETE", "/api/tokens/payments-app").status, 403);
  EXPECT_EQ(tokenNames(admin_),
            (std::vector<std::string>{"bootstrap-admin", "payments-app", "search-app"}));

  // Grants: on the team's own topics and groups only; a prefix, `*` and the cluster need an
  // admin.
  struct Case {
    std::string body;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {grantBody("produce", "topic", "payments.events", "token", "search-app"),
            "resource_name"},
           {grantBody("consume", "topic", "search.*", "token", "search-app"), "resource_name"},
           {grantBody("consume", "topic", "*", "team", "search"), "resource_name"},
           {grantBody("admin", "cluster", "*", "token", "search-app"), "resource_type"},
           {grantBody("consume", "group", "ownerless-group", "team", "search"), "resource_name"},
       }) {
    auto answer = bob_.post("/api/acls", c.body);
    EXPECT_EQ(answer.status, 403) << c.body << " " << answer.body;
    EXPECT_EQ(answer.errorField(), c.field) << c.body;
  }
  EXPECT_EQ(grants(admin_), std::vector<std::string>{kBootstrapGrant});

  // The owner team grants on its topic to another team's token: bob sees it (his token
  // holds it) and may give it up; he may not grant on the topic himself.
  ASSERT_EQ(alice_
                .post("/api/acls",
                      grantBody("consume", "topic", "payments.events", "token", "search-app"))
                .status,
            201);
  ASSERT_EQ(bob_.post("/api/acls", grantBody("consume", "topic", "search.clicks", "team", "search"))
                .status,
            201);
  EXPECT_EQ(grants(bob_, "?team=search"),
            (std::vector<std::string>{"consume topic:payments.events token:search-app",
                                      "consume topic:search.clicks team:search"}));
  EXPECT_EQ(grants(alice_),
            std::vector<std::string>{"consume topic:payments.events token:search-app"});
  auto revoke = bob_.post("/api/acls/revoke",
                          grantBody("consume", "topic", "payments.events", "token", "search-app"));
  EXPECT_EQ(revoke.status, 200) << revoke.body;
  // Alice may not revoke search's own grant on search's topic.
  EXPECT_EQ(alice_
                .post("/api/acls/revoke",
                      grantBody("consume", "topic", "search.clicks", "team", "search"))
                .status,
            403);
  EXPECT_EQ(grants(admin_),
            (std::vector<std::string>{kBootstrapGrant, "consume topic:search.clicks team:search"}));

  // Admins: prefixes and the cluster, any team's tokens.
  EXPECT_EQ(admin_.post("/api/acls", grantBody("consume", "topic", "search.*", "team", "payments"))
                .status,
            201);
  EXPECT_EQ(admin_.call("DELETE", "/api/tokens/search-app").status, 200);
  EXPECT_EQ(tokenNames(admin_, "?team=search"), std::vector<std::string>{});
}

TEST_F(PortalAccess, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  ASSERT_EQ(issue(alice_, "payments-app", "payments").status, 201);
  const auto tokens_before = tokenNames(admin_);
  const size_t audit_before = auditRows("").size();

  struct Case {
    std::string method, target, body;
    int status;
    std::string field;
  };
  const std::string long_description(1025, 'd');
  for (const auto& c : std::vector<Case>{
           {"POST", "/api/tokens", R"({"name":"bad name","team":"payments"})", 400, "name"},
           {"POST", "/api/tokens", R"({"name":"","team":"payments"})", 400, "name"},
           {"POST", "/api/tokens", R"({"name":"x1"})", 400, "team"},
           {"POST", "/api/tokens", R"({"name":"x1","team":"nosuchteam"})", 400, "team"},
           {"POST", "/api/tokens",
            R"({"name":"x1","team":"payments","description":")" + long_description + "\"}", 400,
            "description"},
           {"POST", "/api/tokens", R"({"name":"payments-app","team":"payments"})", 409, "name"},
           {"POST", "/api/tokens", R"({"name":["x"],"team":"payments"})", 400, "name"},
           {"POST", "/api/acls",
            grantBody("produce", "queue", "payments.events", "token", "payments-app"), 400,
            "resource_type"},
           {"POST", "/api/acls",
            grantBody("produce", "topic", "payments.events", "user", "payments-app"), 400,
            "principal_type"},
           {"POST", "/api/acls",
            grantBody("write", "topic", "payments.events", "token", "payments-app"), 400,
            "permission"},
           {"POST", "/api/acls",
            grantBody("produce", "topic", "payments.events", "token", "no-such-token"), 400,
            "principal_name"},
           {"POST", "/api/acls",
            grantBody("produce", "topic", "payments.events", "team", "no-such-team"), 400,
            "principal_name"},
           {"POST", "/api/acls",
            grantBody("produce", "topic", "payments.events", "token", "bad name"), 400,
            "principal_name"},
           {"POST", "/api/acls",
            grantBody("produce", "topic", "pay*ments", "token", "payments-app"), 400,
            "resource_name"},
           {"POST", "/api/acls", grantBody("produce", "topic", "", "token", "payments-app"), 400,
            "resource_name"},
           {"POST", "/api/acls/revoke",
            grantBody("produce", "topic", "payments.events", "token", "payments-app"), 404, ""},
           {"DELETE", "/api/tokens/no-such-token", "", 404, ""},
       }) {
    auto answer = alice_.call(c.method, c.target, c.body);
    EXPECT_EQ(answer.status, c.status) << c.target << " " << c.body << " " << answer.body;
    EXPECT_EQ(answer.errorField(), c.field) << c.body << " " << answer.body;
    EXPECT_FALSE(answer.json().get<std::string>("error.message", "").empty());
  }
  // A duplicate grant is a conflict.
  const std::string grant =
      grantBody("produce", "topic", "payments.events", "token", "payments-app");
  ASSERT_EQ(alice_.post("/api/acls", grant).status, 201);
  auto duplicate = alice_.post("/api/acls", grant);
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(duplicate.errorCode(), "grant_exists");

  // Quotas (admins).
  for (const auto& c : std::vector<Case>{
           {"POST", "/api/quotas",
            R"({"entity_type":"tenant","entity_name":"x","requests_per_sec":5})", 400,
            "entity_type"},
           {"POST", "/api/quotas",
            R"({"entity_type":"client","entity_name":"a b","requests_per_sec":5})", 400,
            "entity_name"},
           {"POST", "/api/quotas",
            R"({"entity_type":"topic","entity_name":"no.such.topic","requests_per_sec":5})", 404,
            "entity_name"},
           {"POST", "/api/quotas",
            R"({"entity_type":"client","entity_name":"x","produce_bytes_per_sec":10})", 400,
            "produce_bytes_per_sec"},
           {"POST", "/api/quotas",
            R"({"entity_type":"client","entity_name":"x","fetch_bytes_per_sec":-5})", 400,
            "fetch_bytes_per_sec"},
           {"POST", "/api/quotas",
            R"({"entity_type":"client","entity_name":"x","requests_per_sec":"many"})", 400,
            "requests_per_sec"},
           {"POST", "/api/quotas", R"({"entity_type":"client","entity_name":"x"})", 400, ""},
           {"DELETE", "/api/quotas/client/nobody", "", 404, ""},
           {"DELETE", "/api/quotas/tenant/x", "", 400, "entity_type"},
       }) {
    auto answer = admin_.call(c.method, c.target, c.body);
    EXPECT_EQ(answer.status, c.status) << c.target << " " << c.body << " " << answer.body;
    EXPECT_EQ(answer.errorField(), c.field) << c.body << " " << answer.body;
  }

  // Nothing changed: the same tokens, one grant, no quota, and only the grant audited.
  EXPECT_EQ(tokenNames(admin_), tokens_before);
  EXPECT_EQ(grants(admin_),
            (std::vector<std::string>{kBootstrapGrant,
                                      "produce topic:payments.events token:payments-app"}));
  EXPECT_EQ(quotaCount(), 0);
  EXPECT_EQ(auditRows("").size(), audit_before + 1);
}

TEST_F(PortalAccess, QuotasAreSetListedAndRemovedByAdminsOnlyAndAudited) {
  const std::string body =
      R"({"entity_type":"client","entity_name":"payments-app","produce_bytes_per_sec":1048576,"requests_per_sec":500})";
  for (PortalClient* member : {&alice_, &bob_}) {
    EXPECT_EQ(member->get("/api/quotas").status, 403);
    EXPECT_EQ(member->post("/api/quotas", body).status, 403);
  }
  auto set = admin_.post("/api/quotas", body);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json().get<int64_t>("produce_bytes_per_sec"), 1048576);
  EXPECT_EQ(set.json().get<int64_t>("fetch_bytes_per_sec"), 0);
  EXPECT_EQ(set.json().get<std::string>("updated_by"), "user:admin");
  ASSERT_EQ(
      admin_
          .post(
              "/api/quotas",
              R"({"entity_type":"topic","entity_name":"payments.events","fetch_bytes_per_sec":4096})")
          .status,
      200);
  EXPECT_EQ(quotaCount(), 2);
  // The same table mqctl reads (the Thrift API).
  std::string output;
  std::string error;
  ASSERT_EQ(
      cluster_.mqctl({"--token-file", workFile("bootstrap"), "quota", "list"}, &output, &error), 0)
      << output << error;
  EXPECT_NE(output.find("payments-app"), std::string::npos) << output;
  EXPECT_NE(output.find("payments.events"), std::string::npos) << output;

  EXPECT_EQ(alice_.call("DELETE", "/api/quotas/client/payments-app").status, 403);
  EXPECT_EQ(admin_.call("DELETE", "/api/quotas/client/payments-app").status, 200);
  EXPECT_EQ(quotaCount(), 1);
  auto rows = auditRows("quota.set");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].get<std::string>("actor"), "user:admin");
  rows = auditRows("quota.remove");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get<std::string>("object"), "client:payments-app");
}

TEST_F(PortalAccess, RoutesNeedASessionAndChangesTheCsrfToken) {
  for (const char* target : {"/api/tokens", "/api/acls", "/api/quotas"}) {
    EXPECT_EQ(anonymous_.get(target).status, 401) << target;
    EXPECT_EQ(anonymous_.post(target, "{}").status, 401) << target;
  }
  alice_.forgetCsrf();
  auto refused = issue(alice_, "no-csrf", "payments");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.errorCode(), "csrf_token_missing");
  EXPECT_EQ(tokenNames(admin_), std::vector<std::string>{"bootstrap-admin"});
}

}  // namespace
}  // namespace mq::test
