// The portal's JSON API (docs/portal.md) through a real metaserver with sign-in on, a broker
// and the suite's MariaDB: every route, and every refusal: no session (401), another team's
// object (403), no CSRF token (403), bad input (400 naming the field, nothing changed); text
// that looks like markup comes back escaped; the first admin's password file is private.
//
// Users: the first admin (password from --admin-password-file), alice (team payments), bob
// (team search). Offsets are committed with the broker's admin commit (generation -1).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mq/client.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/property_tree/json_parser.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "mq/client.h"
#include "storage/db_pool.h"
#include "tests/harness/eventually.h"
#include "tests/harness/message_batch.h"
#include "tests/harness/portal_client.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::ConsumerGroupAdmin;
using mq::client::Producer;
using mq::client::ProducerConfig;

namespace mq::test {
namespace {

namespace pt = boost::property_tree;
using Response = PortalResponse;
using Client = PortalClient;

std::string passwordFile() {
  static const std::string path =
      fmt::format("{}/portal_api_test-{}.admin-password", MQ_TEST_WORK_DIR, getpid());
  return path;
}

ClusterOptions portalCluster() {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  std::filesystem::remove(passwordFile());
  ClusterOptions options;
  options.metaserver_args = {"--http-auth",    "on",   "--admin-password-file", passwordFile(),
                             "--lag-interval", "300ms"};
  return options;
}

// Every test gets a cluster with the admin signed in, teams payments and search, and the
// users alice (payments) and bob (search) signed in.
class PortalApi : public ::testing::Test {
 protected:
  explicit PortalApi(ClusterOptions options = portalCluster())
      : cluster_(std::move(options)),
        admin_(cluster_.metaserverHttpPort()),
        alice_(cluster_.metaserverHttpPort()),
        bob_(cluster_.metaserverHttpPort()),
        anonymous_(cluster_.metaserverHttpPort()) {}

  void SetUp() override {
    std::ifstream in(passwordFile());
    ASSERT_TRUE(std::getline(in, admin_password_)) << "no " << passwordFile();
    ASSERT_EQ(setUpTwoTeams(admin_, admin_password_, alice_, bob_), "");
  }

  int port() { return cluster_.metaserverHttpPort(); }

  // A topic owned by payments, created by alice.
  void createPaymentsTopic(const std::string& name, int partitions) {
    auto created = alice_.post(
        "/api/topics", fmt::format(R"({{"name":"{}","partitions":{},"owner_team":"payments"}})",
                                   name, partitions));
    ASSERT_EQ(created.status, 201) << created.body;
  }

  void commit(const std::string& group, const std::string& topic, int partition, int64_t offset) {
    rpc::CommitOffsetsRequest request;
    request.header.client_id = "test";
    request.group_id = group;
    request.generation_id = -1;
    rpc::OffsetCommitPartition p;
    p.topic = topic;
    p.partition = partition;
    p.offset = offset;
    request.offsets.push_back(p);
    rpc::CommitOffsetsResponse response;
    (*cluster_.brokerClient())->commitOffsets(response, request);
    ASSERT_EQ(response.error, rpc::ErrorCode::NONE) << response.error_message;
  }

  int64_t committed(const std::string& group, const std::string& topic, int partition) {
    ClientConfig config;
    config.metaserver = cluster_.metaserverAddress();
    ConsumerGroupAdmin groups(config);
    for (const auto& o : groups.committedOffsets(group, {{topic, partition}})) return o.offset;
    return -1;
  }

  std::vector<std::string> topicNames(Client& client) {
    std::vector<std::string> names;
    const auto json = client.get("/api/topics").json();
    for (const auto& [k, topic] : json.get_child("topics")) {
      names.push_back(topic.get<std::string>("name"));
    }
    return names;
  }

  TestCluster cluster_;
  Client admin_, alice_, bob_, anonymous_;
  std::string admin_password_;
};

// --- Sign-in ----------------------------------------------------------------------------

TEST_F(PortalApi, EveryApiRouteRefusesAnUnauthenticatedCaller) {
  for (const char* target :
       {"/api/me", "/api/topics", "/api/topics/x", "/api/groups", "/api/groups/g",
        "/api/groups/g/lag", "/api/alerts", "/api/alerts/events", "/api/audit", "/api/cluster",
        "/api/users", "/api/teams", "/api/topics/x/history", "/api/groups/g/history",
        "/api/cluster/history"}) {
    auto response = anonymous_.get(target);
    EXPECT_EQ(response.status, 401) << target;
    EXPECT_EQ(response.errorCode(), "unauthenticated") << target;
  }
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/api/topics"},
                                                        {"PATCH", "/api/topics/x"},
                                                        {"DELETE", "/api/topics/x"},
                                                        {"POST", "/api/groups/g/reset-offsets"},
                                                        {"POST", "/api/alerts"},
                                                        {"POST", "/api/users"},
                                                        {"POST", "/api/logout"}}) {
    EXPECT_EQ(anonymous_.call(method, target, "{}").status, 401) << method << " " << target;
  }
  // A forged cookie is no session either.
  auto forged =
      send(port(), "GET", "/api/me", "", {{"Cookie", "mq_session=" + std::string(64, 'a')}});
  EXPECT_EQ(forged.status, 401);
  // The pages and /metrics need no session.
  EXPECT_EQ(anonymous_.get("/").status, 200);
  EXPECT_EQ(anonymous_.get("/metrics").status, 200);
}

TEST_F(PortalApi, SignInSetsAnHttpOnlyStrictCookieAndSignOutEndsTheSession) {
  Client carol(port());
  auto wrong = carol.login("alice", "not-the-password");
  EXPECT_EQ(wrong.status, 401);
  auto unknown = carol.login("nobody", "not-the-password");
  EXPECT_EQ(unknown.status, 401);
  // The same answer for an unknown user and a wrong password.
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.header("set-cookie"), "");

  auto ok = carol.login("alice", "alice-password-1");
  ASSERT_EQ(ok.status, 200);
  const std::string cookie = ok.header("set-cookie");
  EXPECT_NE(cookie.find("mq_session="), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Max-Age="), std::string::npos);
  // 256-bit token: 64 hex digits.
  EXPECT_EQ(carol.cookie().size(), std::string("mq_session=").size() + 64);

  auto me = carol.get("/api/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().get<std::string>("user"), "alice");
  EXPECT_FALSE(me.json().get<bool>("admin"));
  EXPECT_EQ(me.json().get_child("teams").front().second.data(), "payments");
  EXPECT_EQ(me.json().get<std::string>("csrf_token").size(), 64u);

  auto out = carol.post("/api/logout", "");
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(carol.get("/api/me").status, 401);
}

TEST_F(PortalApi, SessionCookieIsSecureWhenATrustedProxySaysHttps) {
  // cookie-secure is `auto` by default and loopback is a trusted proxy: its
  // X-Forwarded-Proto decides.
  const std::string body = R"({"user":"alice","password":"alice-password-1"})";
  auto plain = send(port(), "POST", "/api/login", body, {});
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.header("set-cookie").find("Secure"), std::string::npos)
      << plain.header("set-cookie");
  auto http = send(port(), "POST", "/api/login", body, {{"X-Forwarded-Proto", "http"}});
  ASSERT_EQ(http.status, 200);
  EXPECT_EQ(http.header("set-cookie").find("Secure"), std::string::npos);
  auto https = send(port(), "POST", "/api/login", body, {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(https.status, 200);
  const std::string cookie = https.header("set-cookie");
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  // Signing out over the same proxy deletes it with the same flags.
  const std::string session = cookie.substr(0, cookie.find(';'));
  auto csrf = https.json().get<std::string>("csrf_token");
  auto out = send(port(), "POST", "/api/logout", "",
                  {{"Cookie", session}, {"X-CSRF-Token", csrf}, {"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0; Secure"), std::string::npos)
      << out.header("set-cookie");
}

// cookie-secure on: Secure on every answer, whatever the request says; and a proxy that is not
// trusted is not believed (cookie-secure auto with trusted-proxies elsewhere).
TEST(PortalApiCookies, CookieSecureOnAlwaysAndUntrustedProxiesNever) {
  for (const auto& [setting, proxies, want_secure] :
       std::vector<std::tuple<std::string, std::string, bool>>{{"on", "", true},
                                                               {"auto", "192.0.2.10", false}}) {
    ClusterOptions options = portalCluster();
    options.metaserver_args.insert(options.metaserver_args.end(),
                                   {"--cookie-secure", setting, "--trusted-proxies", proxies});
    TestCluster cluster(options);
    std::ifstream in(passwordFile());
    std::string password;
    ASSERT_TRUE(std::getline(in, password));
    for (const char* proto : {"", "https"}) {
      std::map<std::string, std::string> headers;
      if (*proto) headers["X-Forwarded-Proto"] = proto;
      auto login = send(cluster.metaserverHttpPort(), "POST", "/api/login",
                        fmt::format(R"({{"user":"admin","password":"{}"}})", password), headers);
      ASSERT_EQ(login.status, 200) << login.body;
      EXPECT_EQ(login.header("set-cookie").find("; Secure") != std::string::npos, want_secure)
          << setting << " " << proxies << " proto=" << proto << ": " << login.header("set-cookie");
    }
  }
}

TEST_F(PortalApi, RepeatedFailedSignInsLockTheNameOut) {
  Client guesser(port());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(guesser.login("bob", "guess-" + std::to_string(i)).status, 401);
  auto locked = guesser.login("bob", "bob-password-12");  // even the right password
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.errorCode(), "too_many_attempts");
  // Other names are not affected.
  EXPECT_EQ(guesser.login("alice", "alice-password-1").status, 200);
}

TEST_F(PortalApi, FirstAdminPasswordFileIsReadableByTheOwnerOnly) {
  struct stat info {};
  ASSERT_EQ(::stat(passwordFile().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  EXPECT_GE(admin_password_.size(), 16u);
  // The password is stored hashed: it appears in no audit row.
  auto audit = admin_.get("/api/audit?limit=1000");
  EXPECT_EQ(audit.body.find(admin_password_), std::string::npos);
}

// --- CSRF -------------------------------------------------------------------------------

TEST_F(PortalApi, ChangesWithoutTheCsrfTokenAreRefusedAndChangeNothing) {
  const std::string body = R"({"name":"csrf-topic","partitions":1,"owner_team":"payments"})";
  alice_.forgetCsrf();
  auto missing = alice_.post("/api/topics", body);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.errorCode(), "csrf_token_missing");
  alice_.setCsrf(std::string(64, '0'));
  auto wrong = alice_.post("/api/topics", body);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.errorCode(), "csrf_token_invalid");
  // Another session's token does not fit this one.
  alice_.setCsrf(bob_.get("/api/me").json().get<std::string>("csrf_token"));
  EXPECT_EQ(alice_.post("/api/topics", body).status, 403);
  EXPECT_EQ(alice_.call("POST", "/api/logout").status, 403);
  auto names = topicNames(admin_);
  EXPECT_EQ(std::count(names.begin(), names.end(), "csrf-topic"), 0);

  // A cross-site form: a foreign Origin, or a body that is not JSON.
  auto cross = admin_.call("POST", "/api/topics", body, {{"Origin", "http://evil.example"}});
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(cross.errorCode(), "cross_origin");
  auto form = admin_.call("POST", "/api/topics", body, {{"Content-Type", "text/plain"}});
  EXPECT_EQ(form.status, 415);
  names = topicNames(admin_);
  EXPECT_EQ(std::count(names.begin(), names.end(), "csrf-topic"), 0);
  // The portal's own origin is fine.
  auto same = admin_.call("POST", "/api/topics", body,
                          {{"Origin", fmt::format("http://127.0.0.1:{}", port())}});
  EXPECT_EQ(same.status, 201) << same.body;
}

// --- Topics -----------------------------------------------------------------------------

TEST_F(PortalApi, TeamMembersChangeOnlyTheirTeamsTopics) {
  createPaymentsTopic("payments.events", 2);
  // bob (search) may read it ...
  auto read = bob_.get("/api/topics/payments.events");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_FALSE(read.json().get<bool>("topic.can_change"));
  EXPECT_EQ(read.json().get_child("partitions").size(), 2u);
  // ... but changes nothing.
  for (const auto& [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PATCH", "/api/topics/payments.events", R"({"retention_ms":3600000})"},
           {"DELETE", "/api/topics/payments.events", ""},
           {"POST", "/api/topics/payments.events/partitions", R"({"count":1})"},
           {"POST", "/api/topics/payments.events/messages", R"({"value":"x"})"}}) {
    auto refused = bob_.call(method, target, body);
    EXPECT_EQ(refused.status, 403) << method << " " << target << ": " << refused.body;
    EXPECT_NE(refused.json().get<std::string>("error.message").find("payments"), std::string::npos);
  }
  // Nor creates topics for another team, nor topics of no team.
  EXPECT_EQ(
      bob_.post("/api/topics", R"({"name":"b1","partitions":1,"owner_team":"payments"})").status,
      403);
  auto no_team = bob_.post("/api/topics", R"({"name":"b2","partitions":1})");
  EXPECT_EQ(no_team.status, 400);
  EXPECT_EQ(no_team.errorField(), "owner_team");
  auto topic = admin_.get("/api/topics/payments.events").json();
  EXPECT_EQ(topic.get<int>("topic.partitions"), 2);
  EXPECT_EQ(topic.get<int64_t>("topic.retention_ms"), 7LL * 24 * 3600 * 1000);

  // The owning team and admins may.
  auto patched = alice_.call("PATCH", "/api/topics/payments.events",
                             R"({"retention_ms":3600000,"retention_messages":500})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().get<int64_t>("retention_ms"), 3600000);
  EXPECT_EQ(patched.json().get<int64_t>("retention_messages"), 500);
  auto added = admin_.post("/api/topics/payments.events/partitions", R"({"count":2})");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(added.json().get<int>("partitions"), 4);
  auto listed = bob_.get("/api/topics?search=payments");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json().get_child("topics").size(), 1u);

  auto deleted = alice_.call("DELETE", "/api/topics/payments.events");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(alice_.get("/api/topics/payments.events").status, 404);

  // Every change is in the audit log with who made it.
  auto audit = admin_.get("/api/audit?object=payments.events").json();
  std::vector<std::string> actions;
  for (const auto& [k, row] : audit.get_child("entries")) {
    actions.push_back(row.get<std::string>("action") + " by " + row.get<std::string>("actor"));
  }
  EXPECT_NE(std::find(actions.begin(), actions.end(), "topic.create by user:alice"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "topic.set_retention by user:alice"),
            actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "topic.add_partitions by user:admin"),
            actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "topic.delete by user:alice"), actions.end());
}

TEST_F(PortalApi, DescriptionAndOwnerTeamAreEditedByTheTeamAndAuditedBeforeAndAfter) {
  createPaymentsTopic("edited", 1);
  ASSERT_EQ(admin_.post("/api/teams", R"({"name":"ledger"})").status, 201);
  auto details = [&] {
    auto topic = admin_.get("/api/topics/edited").json();
    return topic.get<std::string>("topic.owner_team") + "|" +
           topic.get<std::string>("topic.description");
  };
  ASSERT_EQ(details(), "payments|");

  // Refusals change nothing: no session, no CSRF token, another team, bad input.
  EXPECT_EQ(anonymous_.call("PATCH", "/api/topics/edited", R"({"description":"x"})").status, 401);
  Client no_csrf = alice_;
  no_csrf.forgetCsrf();
  auto missing = no_csrf.call("PATCH", "/api/topics/edited", R"({"description":"x"})");
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.errorCode(), "csrf_token_missing");
  auto other_team = bob_.call("PATCH", "/api/topics/edited", R"({"description":"x"})");
  EXPECT_EQ(other_team.status, 403) << other_team.body;
  EXPECT_EQ(bob_.call("PATCH", "/api/topics/edited", R"({"owner_team":"search"})").status, 403);
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {fmt::format(R"({{"description":"{}"}})", std::string(1025, 'd')), 400, "description"},
           {R"({"description":["a"]})", 400, "description"},
           {R"({"owner_team":"nosuchteam"})", 400, "owner_team"},
           {R"({"owner_team":7})", 400, "owner_team"},
           // alice is not in search: she may not push the topic onto it ...
           {R"({"owner_team":"search"})", 403, "owner_team"},
           // ... nor leave it to admins only.
           {R"({"owner_team":""})", 403, "owner_team"},
           // A bad field next to a good one: nothing of either is applied.
           {R"({"description":"new","retention_ms":0})", 400, "retention_ms"},
           {R"({"description":"new","owner_team":"nosuchteam"})", 400, "owner_team"},
           {R"({"partitions":3})", 400, "partitions"},
       }) {
    auto refused = alice_.call("PATCH", "/api/topics/edited", c.body);
    EXPECT_EQ(refused.status, c.status) << c.body << " -> " << refused.body;
    EXPECT_EQ(refused.errorField(), c.field) << c.body << " -> " << refused.body;
    EXPECT_FALSE(refused.json().get<std::string>("error.message").empty());
  }
  EXPECT_EQ(details(), "payments|");
  EXPECT_EQ(admin_.get("/api/topics/edited").json().get<int64_t>("topic.retention_ms"),
            7LL * 24 * 3600 * 1000);
  EXPECT_EQ(
      admin_.get("/api/audit?object=edited&action=topic.update").json().get_child("entries").size(),
      0u);

  // The team edits the description, markup stays text.
  const std::string text = "Ledger <b>entries</b> & more";
  auto described = alice_.call("PATCH", "/api/topics/edited",
                               R"({"description":"Ledger <b>entries</b> & more"})");
  ASSERT_EQ(described.status, 200) << described.body;
  EXPECT_EQ(described.body.find('<'), std::string::npos);
  EXPECT_EQ(described.json().get<std::string>("description"), text);
  EXPECT_EQ(details(), "payments|" + text);

  // alice joins ledger: now she may hand the topic over to it (and then changes it no more).
  ASSERT_EQ(admin_.post("/api/teams/ledger/members", R"({"user":"alice"})").status, 201);
  auto moved = alice_.call("PATCH", "/api/topics/edited", R"({"owner_team":"ledger"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json().get<std::string>("owner_team"), "ledger");
  EXPECT_EQ(details(), "ledger|" + text);
  // bob still may not; an admin may give it to any team, and to none.
  EXPECT_EQ(bob_.call("PATCH", "/api/topics/edited", R"({"description":"mine"})").status, 403);
  auto to_search = admin_.call("PATCH", "/api/topics/edited", R"({"owner_team":"search"})");
  ASSERT_EQ(to_search.status, 200) << to_search.body;
  EXPECT_EQ(bob_.get("/api/topics/edited").json().get<bool>("topic.can_change"), true);
  EXPECT_EQ(alice_.call("PATCH", "/api/topics/edited", R"({"description":"x"})").status, 403);
  auto to_none = admin_.call("PATCH", "/api/topics/edited", R"({"owner_team":""})");
  ASSERT_EQ(to_none.status, 200) << to_none.body;
  EXPECT_EQ(details(), "|" + text);
  EXPECT_EQ(bob_.call("PATCH", "/api/topics/edited", R"({"description":"x"})").status, 403);

  // The audit log has each change with who made it, before and after.
  auto audit = admin_.get("/api/audit?object=edited&action=topic.update").json();
  std::vector<pt::ptree> rows;
  for (const auto& [k, row] : audit.get_child("entries")) rows.push_back(row);
  ASSERT_EQ(rows.size(), 4u);  // newest first
  auto parse = [](const std::string& text) {
    pt::ptree tree;
    std::istringstream in(text);
    pt::read_json(in, tree);
    return tree;
  };
  const auto& first = rows[3];
  EXPECT_EQ(first.get<std::string>("actor"), "user:alice");
  EXPECT_EQ(parse(first.get<std::string>("before")).get<std::string>("description"), "");
  EXPECT_EQ(parse(first.get<std::string>("after")).get<std::string>("description"), text);
  const auto& handover = rows[2];
  EXPECT_EQ(handover.get<std::string>("actor"), "user:alice");
  EXPECT_EQ(parse(handover.get<std::string>("before")).get<std::string>("owner_team"), "payments");
  EXPECT_EQ(parse(handover.get<std::string>("after")).get<std::string>("owner_team"), "ledger");
  EXPECT_EQ(rows[0].get<std::string>("actor"), "user:admin");
  EXPECT_EQ(parse(rows[0].get<std::string>("after")).get<std::string>("owner_team"), "");
}

TEST_F(PortalApi, BadInputIsRefusedWith400NamingTheFieldAndChangesNothing) {
  createPaymentsTopic("kept", 1);
  const auto before = topicNames(admin_);
  struct Case {
    std::string body;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"name":"bad name","partitions":1,"owner_team":"payments"})", "name"},
           {R"({"name":"","partitions":1,"owner_team":"payments"})", "name"},
           {R"({"name":"ok1","partitions":0,"owner_team":"payments"})", "partitions"},
           {R"({"name":"ok1","partitions":"many","owner_team":"payments"})", "partitions"},
           {R"({"name":"ok1","partitions":5000,"owner_team":"payments"})", "partitions"},
           {R"({"name":"ok1","owner_team":"payments"})", "partitions"},
           {R"({"name":"ok1","partitions":1,"owner_team":"nosuchteam"})", "owner_team"},
           {R"({"name":"ok1","partitions":1,"retention_ms":-5,"owner_team":"payments"})",
            "retention_ms"},
           {fmt::format(R"({{"name":"ok1","partitions":1,"owner_team":"payments",)"
                        R"("description":"{}"}})",
                        std::string(1025, 'd')),
            "description"},
       }) {
    auto refused = alice_.post("/api/topics", c.body);
    EXPECT_EQ(refused.status, 400) << c.body << " -> " << refused.body;
    EXPECT_EQ(refused.errorField(), c.field) << refused.body;
    EXPECT_FALSE(refused.json().get<std::string>("error.message").empty());
  }
  auto not_json = alice_.post("/api/topics", "{\"name\":");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.errorCode(), "invalid_json");
  EXPECT_EQ(alice_.post("/api/topics", R"({"name":"kept","partitions":1,"owner_team":"payments"})")
                .status,
            409);
  EXPECT_EQ(topicNames(admin_), before);

  // Changes to a topic.
  auto nothing = alice_.call("PATCH", "/api/topics/kept", "{}");
  EXPECT_EQ(nothing.status, 400);
  auto zero = alice_.call("PATCH", "/api/topics/kept", R"({"retention_ms":0})");
  EXPECT_EQ(zero.status, 400);
  EXPECT_EQ(zero.errorField(), "retention_ms");
  auto rename = alice_.call("PATCH", "/api/topics/kept", R"({"name":"other"})");
  EXPECT_EQ(rename.status, 400);
  EXPECT_EQ(rename.errorField(), "name");
  auto count = alice_.post("/api/topics/kept/partitions", R"({"count":0})");
  EXPECT_EQ(count.status, 400);
  EXPECT_EQ(count.errorField(), "count");
  auto partition = alice_.get("/api/topics/kept/messages?partition=7");
  EXPECT_EQ(partition.status, 400);
  EXPECT_EQ(partition.errorField(), "partition");
  auto limit = alice_.get("/api/topics/kept/messages?partition=0&limit=1000");
  EXPECT_EQ(limit.status, 400);
  EXPECT_EQ(limit.errorField(), "limit");
  auto no_value = alice_.post("/api/topics/kept/messages", R"({"key":"k"})");
  EXPECT_EQ(no_value.status, 400);
  EXPECT_EQ(no_value.errorField(), "value");
  EXPECT_EQ(alice_.get("/api/topics/missing").status, 404);
  auto topic = admin_.get("/api/topics/kept").json();
  EXPECT_EQ(topic.get<int>("topic.partitions"), 1);
  EXPECT_EQ(topic.get_child("partitions").front().second.get<int64_t>("end_offset"), 0);
}

TEST_F(PortalApi, MessagesAreSentAndBrowsedAndMarkupComesBackEscaped) {
  const std::string xss = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  auto created = alice_.post(
      "/api/topics",
      R"({"name":"xss","partitions":1,"owner_team":"payments","description":")" + xss + "\"}");
  ASSERT_EQ(created.status, 201) << created.body;
  // Escaped in the JSON text (no raw angle brackets), the same text once parsed.
  EXPECT_EQ(created.body.find('<'), std::string::npos) << created.body;
  EXPECT_NE(created.body.find("\\u003cscript\\u003e"), std::string::npos);
  EXPECT_EQ(created.json().get<std::string>("description"), xss);

  auto sent = alice_.post("/api/topics/xss/messages", R"({"key":"k<b>","value":")" + xss +
                                                          R"(","headers":{"h":")" + xss + "\"}}");
  ASSERT_EQ(sent.status, 201) << sent.body;
  EXPECT_EQ(sent.json().get<int64_t>("offset"), 0);

  // A binary value (not UTF-8) through the client library.
  ProducerConfig config;
  config.metaserver = cluster_.metaserverAddress();
  Producer producer(config);
  const std::string binary("\x00\xff\xfe<\x01", 5);
  producer.send("xss", binary, std::nullopt, {}, 0);
  producer.close();

  // Only the topic's team (and admins, and teams granted consume) read its messages.
  EXPECT_EQ(bob_.get("/api/topics/xss/messages?partition=0&offset=0&limit=10").status, 403);
  auto page = alice_.get("/api/topics/xss/messages?partition=0&offset=0&limit=10");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.body.find('<'), std::string::npos) << page.body;
  auto json = page.json();
  EXPECT_EQ(json.get<int64_t>("end_offset"), 2);
  auto messages = json.get_child("messages");
  ASSERT_EQ(messages.size(), 2u);
  const auto& first = messages.front().second;
  EXPECT_EQ(first.get<std::string>("value.text"), xss);
  EXPECT_EQ(first.get<std::string>("key.text"), "k<b>");
  bool saw_sender = false;
  for (const auto& [k, header] : first.get_child("headers")) {
    if (header.get<std::string>("name") == "mq-sent-by") {
      saw_sender = true;
      EXPECT_EQ(header.get<std::string>("value.text"), "user:alice");
    }
  }
  EXPECT_TRUE(saw_sender);
  const auto& second = std::next(messages.begin())->second;
  EXPECT_FALSE(second.get_optional<std::string>("value.text"));  // binary: no text
  EXPECT_EQ(second.get<std::string>("value.base64"), "AP/+PAE=");
  EXPECT_EQ(second.get<int>("value.size"), 5);

  // The newest page without an offset; a later offset is an empty page.
  auto newest = alice_.get("/api/topics/xss/messages?partition=0&limit=1").json();
  EXPECT_EQ(newest.get<int64_t>("offset"), 1);
  auto empty = alice_.get("/api/topics/xss/messages?partition=0&offset=2").json();
  EXPECT_EQ(empty.get_child("messages").size(), 0u);

  auto audit = admin_.get("/api/audit?user=alice&action=message.send").json();
  ASSERT_EQ(audit.get_child("entries").size(), 1u);
  EXPECT_EQ(audit.get_child("entries").front().second.get<std::string>("object"), "xss");
}

// Issue 21 item 8: the portal shows and sends a topic's messages only to whom the brokers
// would let read or write it: the owner team, teams granted consume/produce (directly or
// through one of their tokens), and admins. bob (team search) on alice's payments.events.
TEST_F(PortalApi, MessagesAreReadAndSentOnlyByTheTopicsTeamGrantedTeamsAndAdmins) {
  createPaymentsTopic("payments.events", 2);
  auto created =
      bob_.post("/api/topics", R"({"name":"search.clicks","partitions":1,"owner_team":"search"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto grantBody = [](const std::string& permission, const std::string& resource,
                      const std::string& principal_type, const std::string& principal) {
    return fmt::format(
        R"({{"permission":"{}","resource_type":"topic","resource_name":"{}","principal_type":"{}","principal_name":"{}"}})",
        permission, resource, principal_type, principal);
  };
  const std::string browse = "/api/topics/payments.events/messages?partition=0&offset=0";
  const std::string send = "/api/topics/payments.events/messages";
  const std::string message = R"({"value":"secret payment","partition":0})";
  auto first = alice_.post(send, message);
  ASSERT_EQ(first.status, 201) << first.body;
  auto rights = [&](Client& who) {
    const pt::ptree topic = who.get("/api/topics/payments.events").json();
    return fmt::format("read={} send={}", topic.get<bool>("topic.can_read_messages"),
                       topic.get<bool>("topic.can_send_messages"));
  };
  EXPECT_EQ(rights(alice_), "read=true send=true");
  EXPECT_EQ(rights(admin_), "read=true send=true");

  // No grant: bob's team sees the topic's settings, not its messages, and sends nothing.
  EXPECT_EQ(rights(bob_), "read=false send=false");
  auto refused = bob_.get(browse);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.body.find("secret payment"), std::string::npos);
  EXPECT_NE(refused.body.find("team `payments`"), std::string::npos) << refused.body;
  EXPECT_EQ(bob_.post(send, R"({"value":"from bob"})").status, 403);
  EXPECT_EQ(bob_.get("/api/topics/payments.events/messages?partition=0").status, 403);

  // Consume granted to team search: bob reads, still sends nothing.
  ASSERT_EQ(
      alice_.post("/api/acls", grantBody("consume", "payments.events", "team", "search")).status,
      201);
  EXPECT_EQ(rights(bob_), "read=true send=false");
  auto read = bob_.get(browse);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json().get_child("messages").front().second.get<std::string>("value.text"),
            "secret payment");
  EXPECT_EQ(bob_.post(send, R"({"value":"from bob"})").status, 403);

  // Produce on a prefix granted (by an admin) to a token of team search: bob sends too.
  ASSERT_EQ(bob_.post("/api/tokens", R"({"name":"search-writer","team":"search"})").status, 201);
  ASSERT_EQ(
      admin_.post("/api/acls", grantBody("produce", "payments.*", "token", "search-writer")).status,
      201);
  EXPECT_EQ(rights(bob_), "read=true send=true");
  auto sent = bob_.post(send, R"({"value":"from bob","partition":0})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  EXPECT_EQ(sent.json().get<int64_t>("offset"), 1);

  // Both taken back: refused again at once (the portal reads grants on every request).
  ASSERT_EQ(
      alice_.post("/api/acls/revoke", grantBody("consume", "payments.events", "team", "search"))
          .status,
      200);
  ASSERT_EQ(bob_.call("DELETE", "/api/tokens/search-writer").status, 200);
  EXPECT_EQ(rights(bob_), "read=false send=false");
  EXPECT_EQ(bob_.get(browse).status, 403);
  EXPECT_EQ(bob_.post(send, R"({"value":"from bob"})").status, 403);
  // The other way round: alice does not read search's topic either; admins read both.
  EXPECT_EQ(alice_.get("/api/topics/search.clicks/messages?partition=0").status, 403);
  EXPECT_EQ(admin_.get("/api/topics/search.clicks/messages?partition=0").status, 200);
  EXPECT_EQ(admin_.get(browse).json().get_child("messages").size(), 2u);
}

// --- Groups -----------------------------------------------------------------------------

TEST_F(PortalApi, GroupOffsetsAreResetByTheirTeamAfterADryRun) {
  createPaymentsTopic("ledger", 2);
  auto sent = alice_.post("/api/topics/ledger/messages", R"({"value":"a","partition":0})");
  ASSERT_EQ(sent.status, 201);
  ASSERT_EQ(alice_.post("/api/topics/ledger/messages", R"({"value":"b","partition":0})").status,
            201);
  commit("billing", "ledger", 0, 0);

  // Without an owner only admins change the group.
  auto unowned = alice_.post("/api/groups/billing/reset-offsets", R"({"to":"latest"})");
  EXPECT_EQ(unowned.status, 403) << unowned.body;
  EXPECT_EQ(alice_.post("/api/groups/billing/owner", R"({"team":"payments"})").status, 403);
  auto bad_team = admin_.post("/api/groups/billing/owner", R"({"team":"nope"})");
  EXPECT_EQ(bad_team.status, 400);
  EXPECT_EQ(bad_team.errorField(), "team");
  ASSERT_EQ(admin_.post("/api/groups/billing/owner", R"({"team":"payments"})").status, 200);

  auto details = bob_.get("/api/groups/billing");
  ASSERT_EQ(details.status, 200) << details.body;
  EXPECT_EQ(details.json().get<std::string>("owner_team"), "payments");
  EXPECT_FALSE(details.json().get<bool>("can_change"));
  EXPECT_EQ(details.json().get<std::string>("state"), "Empty");
  EXPECT_EQ(alice_.get("/api/groups/billing").json().get<bool>("can_change"), true);

  // Anyone may preview; nothing changes.
  auto preview = bob_.post("/api/groups/billing/reset-offsets",
                           R"({"to":"latest","topic":"ledger","dry_run":true})");
  ASSERT_EQ(preview.status, 200) << preview.body;
  const auto plan = preview.json();
  EXPECT_TRUE(plan.get<bool>("dry_run"));
  const auto& p0 = plan.get_child("offsets").front().second;
  EXPECT_EQ(p0.get<int>("partition"), 0);
  EXPECT_EQ(p0.get<int64_t>("current"), 0);
  EXPECT_EQ(p0.get<int64_t>("new"), 2);
  EXPECT_EQ(committed("billing", "ledger", 0), 0);
  // Only the team applies it.
  EXPECT_EQ(
      bob_.post("/api/groups/billing/reset-offsets", R"({"to":"latest","topic":"ledger"})").status,
      403);
  EXPECT_EQ(committed("billing", "ledger", 0), 0);
  // Bad input.
  auto bad_to = alice_.post("/api/groups/billing/reset-offsets", R"({"to":"yesterday"})");
  EXPECT_EQ(bad_to.status, 400);
  EXPECT_EQ(bad_to.errorField(), "to");
  auto out_of_range = alice_.post("/api/groups/billing/reset-offsets",
                                  R"({"to":"offset","offset":99,"topic":"ledger"})");
  EXPECT_EQ(out_of_range.status, 400);
  EXPECT_EQ(out_of_range.errorField(), "offset");
  auto no_partition = alice_.post("/api/groups/billing/reset-offsets",
                                  R"({"to":"earliest","topic":"ledger","partitions":[5]})");
  EXPECT_EQ(no_partition.status, 400);
  EXPECT_EQ(no_partition.errorField(), "partitions");
  EXPECT_EQ(committed("billing", "ledger", 0), 0);

  auto applied = alice_.post("/api/groups/billing/reset-offsets",
                             R"({"to":"offset","offset":1,"topic":"ledger","partitions":[0]})");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_FALSE(applied.json().get<bool>("dry_run"));
  EXPECT_EQ(committed("billing", "ledger", 0), 1);
  auto audit = admin_.get("/api/audit?object=billing&action=group.reset_offsets").json();
  ASSERT_EQ(audit.get_child("entries").size(), 1u);
  const auto& row = audit.get_child("entries").front().second;
  EXPECT_EQ(row.get<std::string>("actor"), "user:alice");
  EXPECT_NE(row.get<std::string>("before").find("\"offset\":0"), std::string::npos);
  EXPECT_NE(row.get<std::string>("after").find("\"offset\":1"), std::string::npos);

  // The lag API sees the group; its details through the portal.
  ASSERT_TRUE(eventually(std::chrono::seconds(20), [&] {
    auto lag = bob_.get("/api/groups/billing/lag");
    return lag.status == 200 && lag.json().get<int64_t>("total_lag") == 1;
  }));
}

TEST_F(PortalApi, ResetIsRefusedWhileTheGroupHasActiveMembers) {
  createPaymentsTopic("live", 1);
  ASSERT_EQ(admin_.post("/api/groups/workers/owner", R"({"team":"payments"})").status, 200);
  ConsumerConfig config;
  config.metaserver = cluster_.metaserverAddress();
  config.group_id = "workers";
  config.session_timeout_ms = 30000;
  Consumer consumer(config);
  consumer.subscribe({"live"});
  ASSERT_TRUE(eventually(std::chrono::seconds(30), [&] {
    consumer.poll(std::chrono::milliseconds(200));
    return !consumer.assignment().empty();
  }));
  auto details = alice_.get("/api/groups/workers").json();
  EXPECT_EQ(details.get_child("members").size(), 1u);
  auto preview = alice_.post("/api/groups/workers/reset-offsets",
                             R"({"to":"earliest","topic":"live","dry_run":true})");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json().get<int>("members"), 1);
  EXPECT_FALSE(preview.json().get<std::string>("warning", "").empty());
  auto refused =
      alice_.post("/api/groups/workers/reset-offsets", R"({"to":"earliest","topic":"live"})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.errorCode(), "group_not_empty");
  consumer.close();
}

// --- Chart history ----------------------------------------------------------------------

std::vector<double> numbers(const pt::ptree& json, const std::string& path) {
  std::vector<double> values;
  for (const auto& [k, v] : json.get_child(path)) {
    values.push_back(v.data() == "null" || v.data().empty() ? -1 : std::stod(v.data()));
  }
  return values;
}

// The messages a rate series says arrived between its first and last point.
double integrate(const std::vector<double>& at_ms, const std::vector<double>& per_second) {
  double total = 0;
  for (size_t i = 1; i < at_ms.size(); ++i) total += per_second[i] * (at_ms[i] - at_ms[i - 1]);
  return total / 1000;
}

TEST_F(PortalApi, HistoryGivesTheChartsProduceRateLagOverTimeAndMessagesInAndOut) {
  createPaymentsTopic("charted", 1);
  commit("charts", "charted", 0, 0);
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(alice_.post("/api/topics/charted/messages", R"({"value":"m"})").status, 201);
  }
  // Once a cycle saw the 6 messages: the topic's end offset, the group's lag of 6.
  pt::ptree topic, group;
  ASSERT_TRUE(eventually(
      std::chrono::seconds(30),
      [&] {
        auto t = bob_.get("/api/topics/charted/history");
        auto g = bob_.get("/api/groups/charts/history");
        if (t.status != 200 || g.status != 200) return false;
        topic = t.json();
        group = g.json();
        auto ends = numbers(topic, "end_offset");
        return !ends.empty() && ends.back() == 6 && !group.get_child("partitions").empty() &&
               numbers(group.get_child("partitions").front().second, "lag").back() == 6;
      }))
      << "topic " << bob_.get("/api/topics/charted/history").body;
  const auto at = numbers(topic, "at_ms");
  const auto rate = numbers(topic, "messages_per_second");
  const auto ends = numbers(topic, "end_offset");
  ASSERT_EQ(rate.size(), at.size());
  ASSERT_EQ(ends.size(), at.size());
  // The rate accounts for what arrived between the first point and the last.
  EXPECT_NEAR(integrate(at, rate), ends.back() - ends.front(), 0.05);
  EXPECT_EQ(group.get<std::string>("group"), "charts");
  EXPECT_EQ(group.get_child("partitions").front().second.get<std::string>("topic"), "charted");

  // 4 more arrive and the group consumes all 10 (both after a point of the series, so
  // counted in full): its lag goes to 0, its rate and the cluster's messages out count 10.
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(alice_.post("/api/topics/charted/messages", R"({"value":"m"})").status, 201);
  }
  commit("charts", "charted", 0, 10);
  ASSERT_TRUE(eventually(std::chrono::seconds(30), [&] {
    group = bob_.get("/api/groups/charts/history").json();
    return numbers(group.get_child("partitions").front().second, "lag").back() == 0;
  }));
  const auto group_at = numbers(group, "at_ms");
  EXPECT_NEAR(integrate(group_at, numbers(group, "messages_per_second")), 10, 0.05);
  auto cluster = bob_.get("/api/cluster/history");
  ASSERT_EQ(cluster.status, 200) << cluster.body;
  const auto cluster_at = numbers(cluster.json(), "at_ms");
  // Messages in: the last 4 for sure, the first 6 unless they came before the first point.
  const double in = integrate(cluster_at, numbers(cluster.json(), "messages_in"));
  EXPECT_GE(in, 4 - 0.05);
  EXPECT_LE(in, 10 + 0.05);
  EXPECT_NEAR(integrate(cluster_at, numbers(cluster.json(), "messages_out")), 10, 0.05);

  // Refusals: unknown topic, a change, a bad path.
  EXPECT_EQ(bob_.get("/api/topics/nope/history").status, 404);
  EXPECT_EQ(alice_.post("/api/topics/charted/history", "{}").status, 405);
  EXPECT_EQ(bob_.get("/api/cluster/history/more").status, 404);
  // An unknown group has no points (it may have consumed before the window).
  EXPECT_EQ(bob_.get("/api/groups/nobody/history").json().get_child("at_ms").size(), 0u);
}

// --- Alerts -----------------------------------------------------------------------------

TEST_F(PortalApi, AlertChangesNeedTheGroupsTeam) {
  ASSERT_EQ(admin_.post("/api/groups/g1/owner", R"({"team":"payments"})").status, 200);
  const std::string rule = R"({"name":"g1-lag","group":"g1","kind":"lag_messages",)"
                           R"("threshold":10,"for":"1m"})";
  auto refused = bob_.post("/api/alerts", rule);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(bob_.get("/api/alerts").json().get_child("alerts").size(), 0u);
  auto created = alice_.post("/api/alerts", rule);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().get<std::string>("created_by"), "user:alice");
  EXPECT_EQ(bob_.call("DELETE", "/api/alerts/g1-lag").status, 403);
  auto bad = alice_.post("/api/alerts", R"({"name":"x","group":"g1","kind":"nope"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(alice_.call("DELETE", "/api/alerts/g1-lag").status, 200);
  auto audit = admin_.get("/api/audit?object=g1-lag").json();
  ASSERT_EQ(audit.get_child("entries").size(), 2u);
  for (const auto& [k, row] : audit.get_child("entries")) {
    EXPECT_EQ(row.get<std::string>("actor"), "user:alice");
  }
}

// --- Users, teams, audit, cluster -------------------------------------------------------

TEST_F(PortalApi, OnlyAdminsManageUsersAndTeams) {
  EXPECT_EQ(alice_.get("/api/users").status, 403);
  EXPECT_EQ(alice_.post("/api/users", R"({"name":"mallory"})").status, 403);
  EXPECT_EQ(alice_.post("/api/teams", R"({"name":"mine"})").status, 403);
  EXPECT_EQ(alice_.post("/api/teams/search/members", R"({"user":"alice"})").status, 403);
  EXPECT_EQ(alice_.get("/api/teams").status, 200);  // everyone may read teams

  auto short_password = admin_.post("/api/users", R"({"name":"dave","password":"short"})");
  EXPECT_EQ(short_password.status, 400);
  EXPECT_EQ(short_password.errorField(), "password");
  auto bad_name = admin_.post("/api/users", R"({"name":"da ve"})");
  EXPECT_EQ(bad_name.status, 400);
  EXPECT_EQ(bad_name.errorField(), "name");
  auto unknown_team = admin_.post("/api/users", R"({"name":"dave","teams":["nope"]})");
  EXPECT_EQ(unknown_team.status, 400);
  EXPECT_EQ(unknown_team.errorField(), "teams");

  auto created = admin_.post("/api/users", R"({"name":"dave"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string generated = created.json().get<std::string>("password");
  EXPECT_GE(generated.size(), 16u);
  EXPECT_EQ(admin_.post("/api/users", R"({"name":"dave"})").status, 409);
  Client dave(port());
  ASSERT_EQ(dave.login("dave", generated).status, 200);
  EXPECT_EQ(dave.get("/api/me").json().get_child("teams").size(), 0u);
  ASSERT_EQ(admin_.post("/api/teams/search/members", R"({"user":"dave"})").status, 201);
  EXPECT_EQ(dave.get("/api/me").json().get_child("teams").front().second.data(), "search");
  EXPECT_EQ(admin_.call("DELETE", "/api/teams/search/members/dave").status, 200);
  EXPECT_EQ(admin_.call("DELETE", "/api/teams/search/members/dave").status, 404);

  // The password list never shows hashes.
  auto users = admin_.get("/api/users");
  EXPECT_EQ(users.body.find("pbkdf2"), std::string::npos);
  EXPECT_EQ(users.json().get_child("users").size(), 4u);

  // A deleted user's session ends.
  EXPECT_EQ(admin_.call("DELETE", "/api/users/admin").status, 409);  // yourself
  ASSERT_EQ(admin_.call("DELETE", "/api/users/dave").status, 200);
  EXPECT_EQ(dave.get("/api/me").status, 401);

  // Changing one's password ends one's sessions; the new one works.
  auto wrong = alice_.post("/api/me/password",
                           R"({"current_password":"nope","new_password":"a-new-password-2"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.errorField(), "current_password");
  ASSERT_EQ(
      alice_
          .post("/api/me/password",
                R"({"current_password":"alice-password-1","new_password":"a-new-password-2"})")
          .status,
      200);
  EXPECT_EQ(alice_.get("/api/me").status, 401);
  EXPECT_EQ(alice_.login("alice", "a-new-password-2").status, 200);
}

TEST_F(PortalApi, AdminsSetAUsersPasswordWhichEndsTheirSessions) {
  // Refusals change nothing: alice's password and session stay.
  EXPECT_EQ(
      anonymous_.post("/api/users/alice/password", R"({"password":"x-new-password-1"})").status,
      401);
  Client no_csrf = admin_;
  no_csrf.forgetCsrf();
  auto missing = no_csrf.post("/api/users/alice/password", R"({"password":"x-new-password-1"})");
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.errorCode(), "csrf_token_missing");
  auto not_admin = bob_.post("/api/users/alice/password", R"({"password":"x-new-password-1"})");
  EXPECT_EQ(not_admin.status, 403);
  EXPECT_NE(not_admin.json().get<std::string>("error.message").find("only admins"),
            std::string::npos);
  auto short_password = admin_.post("/api/users/alice/password", R"({"password":"short"})");
  EXPECT_EQ(short_password.status, 400);
  EXPECT_EQ(short_password.errorField(), "password");
  auto wrong_type = admin_.post("/api/users/alice/password", R"({"password":["a"]})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.errorField(), "password");
  EXPECT_EQ(admin_.post("/api/users/nobody/password", "{}").status, 404);
  EXPECT_EQ(admin_.get("/api/users/alice/password").status, 405);
  EXPECT_EQ(alice_.get("/api/me").status, 200);
  Client check(port());
  EXPECT_EQ(check.login("alice", "alice-password-1").status, 200);

  // A chosen password: alice's sessions end, the new one works.
  auto set = admin_.post("/api/users/alice/password", R"({"password":"alice-password-2"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json().get<int>("sessions_ended"), 2);
  EXPECT_FALSE(set.json().get_optional<std::string>("password"));
  EXPECT_EQ(alice_.get("/api/me").status, 401);
  EXPECT_EQ(check.login("alice", "alice-password-1").status, 401);
  EXPECT_EQ(check.login("alice", "alice-password-2").status, 200);
  // A generated one, shown once.
  auto generated = admin_.post("/api/users/bob/password", "{}");
  ASSERT_EQ(generated.status, 200) << generated.body;
  const std::string password = generated.json().get<std::string>("password");
  EXPECT_GE(password.size(), 16u);
  EXPECT_EQ(check.login("bob", password).status, 200);

  // Audited without the password.
  auto audit = admin_.get("/api/audit?action=user.set_password");
  ASSERT_EQ(audit.json().get_child("entries").size(), 2u);
  EXPECT_EQ(audit.json().get_child("entries").front().second.get<std::string>("actor"),
            "user:admin");
  EXPECT_EQ(audit.body.find("alice-password-2"), std::string::npos);
  EXPECT_EQ(audit.body.find(password), std::string::npos);
}

TEST_F(PortalApi, AuditLogFiltersByUserAndObject) {
  createPaymentsTopic("audited", 1);
  ASSERT_EQ(admin_.post("/api/teams", R"({"name":"ops"})").status, 201);
  auto by_alice = admin_.get("/api/audit?user=alice").json();
  ASSERT_GE(by_alice.get_child("entries").size(), 2u);  // sign-in, topic.create
  for (const auto& [k, row] : by_alice.get_child("entries")) {
    EXPECT_EQ(row.get<std::string>("actor"), "user:alice");
  }
  auto by_object = bob_.get("/api/audit?object=ops").json();
  ASSERT_EQ(by_object.get_child("entries").size(), 1u);
  EXPECT_EQ(by_object.get_child("entries").front().second.get<std::string>("action"),
            "team.create");
  // Paging: newest first, before_id continues.
  auto first = admin_.get("/api/audit?limit=2").json();
  ASSERT_EQ(first.get_child("entries").size(), 2u);
  const int64_t next = first.get<int64_t>("next_before_id");
  auto second = admin_.get(fmt::format("/api/audit?limit=2&before_id={}", next)).json();
  EXPECT_LT(second.get_child("entries").front().second.get<int64_t>("id"), next);
  // And back: after_id gives the page just newer than an entry, newest first (issue 25).
  const auto ids = [](const pt::ptree& page) {
    std::vector<int64_t> out;
    for (const auto& [k, row] : page.get_child("entries")) out.push_back(row.get<int64_t>("id"));
    return out;
  };
  const int64_t newest_of_second = ids(second).front();
  auto back = admin_.get(fmt::format("/api/audit?limit=2&after_id={}", newest_of_second)).json();
  EXPECT_EQ(ids(back), ids(first));
  auto both = admin_.get("/api/audit?before_id=5&after_id=2");
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(both.json().get<std::string>("error.field"), "after_id");
  EXPECT_EQ(admin_.get("/api/audit?limit=0").status, 400);
}

// An admin action and its audit record are one transaction: with the audit log unwritable
// (its table renamed away), the action is refused with a retriable error naming the audit
// record, and nothing of it is kept; once the log is back, the same action is made and
// recorded. Over the portal (a team, a topic) and over Thrift (a topic, an ACL grant).
TEST_F(PortalApi, AnActionWhoseAuditRecordCannotBeWrittenIsRefusedAndNotMade) {
  DbPool pool(cluster_.metaDb(), DbPoolOptions{});
  auto db = pool.acquire();
  db->execute("RENAME TABLE audit_log TO audit_log_away");
  auto team = admin_.post("/api/teams", R"({"name":"unaudited"})");
  auto topic = alice_.post("/api/topics",
                           R"({"name":"unaudited-topic","partitions":1,"owner_team":"payments"})");
  rpc::CreateTopicRequest create;
  create.header.client_id = "test";
  create.name = "unaudited-thrift";
  create.partitions = 1;
  rpc::TopicInfo created;
  std::string thrift_error;
  try {
    (*cluster_.metaClient())->createTopic(created, create);
  } catch (const rpc::MqError& e) {
    thrift_error = e.message;
    EXPECT_EQ(e.code, rpc::ErrorCode::METADATA_UNAVAILABLE);
    EXPECT_TRUE(e.retriable);
  }
  db->execute("RENAME TABLE audit_log_away TO audit_log");

  EXPECT_EQ(team.status, 503) << team.body;
  EXPECT_NE(team.body.find("team.create of `unaudited` refused: its audit record could not be "
                           "written"),
            std::string::npos)
      << team.body;
  EXPECT_EQ(topic.status, 503) << topic.body;
  EXPECT_NE(thrift_error.find("topic.create of `unaudited-thrift` refused"), std::string::npos)
      << "createTopic: " << thrift_error;
  // Nothing of the refused actions was kept.
  EXPECT_EQ(admin_.get("/api/teams").body.find("unaudited"), std::string::npos);
  const auto names = topicNames(admin_);
  EXPECT_EQ(std::count(names.begin(), names.end(), "unaudited-topic"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "unaudited-thrift"), 0);

  // With the log back, the same actions are made and recorded.
  ASSERT_EQ(admin_.post("/api/teams", R"({"name":"unaudited"})").status, 201);
  createPaymentsTopic("unaudited-topic", 1);
  auto audit = admin_.get("/api/audit?object=unaudited").json();
  ASSERT_EQ(audit.get_child("entries").size(), 1u);
  EXPECT_EQ(audit.get_child("entries").front().second.get<std::string>("action"), "team.create");
}

TEST_F(PortalApi, ClusterShowsBrokersAndDatanodesWithHealth) {
  auto cluster = bob_.get("/api/cluster");
  ASSERT_EQ(cluster.status, 200) << cluster.body;
  auto json = cluster.json();
  EXPECT_EQ(json.get_child("brokers").size(), 1u);
  ASSERT_EQ(json.get_child("datanodes").size(), 1u);
  EXPECT_TRUE(json.get_child("datanodes").front().second.get<bool>("healthy"));
  EXPECT_EQ(json.get_child("datanodes").front().second.get<std::string>("state"), "active");
  EXPECT_EQ(cluster.body.find("\"password\""), std::string::npos);
}

// --- Partitions: read-only, writable, migrate -------------------------------------------

// Two datanodes, and the lifecycle task as good as off (every hour): at its runs it retires
// a read-only partition that no group is behind on, after which it never becomes writable
// again. The task is tested in retention_lifecycle_test.cc; these tests are about the routes.
ClusterOptions partitionCluster() {
  ClusterOptions options = portalCluster();
  options.datanodes = 2;
  options.metaserver_args.insert(options.metaserver_args.end(),
                                 {"--lifecycle-interval", "1h", "--retention-lease", "2h"});
  return options;
}

class PortalPartitions : public PortalApi {
 protected:
  PortalPartitions() : PortalApi(partitionCluster()) {}

  // Produces `values` to one partition through the broker (no client-side partition choice):
  // the partition's result.
  rpc::PartitionProduceResult produce(const std::string& topic, int partition,
                                      const std::vector<std::string>& values) {
    rpc::ProduceRequest request;
    request.header.client_id = "test";
    request.batches = {batchOf(topic, partition, values)};
    rpc::ProduceResponse response;
    (*cluster_.brokerClient())->produce(response, request);
    return response.results.at(0);
  }

  pt::ptree partition(const std::string& topic, int number) {
    auto json = admin_.get("/api/topics/" + topic).json();
    for (const auto& [k, p] : json.get_child("partitions")) {
      if (p.get<int>("partition") == number) return p;
    }
    ADD_FAILURE() << "no partition " << number << " in " << topic;
    return {};
  }

  // The values stored in a partition, read through the portal's message browser.
  std::vector<std::string> stored(const std::string& topic, int number) {
    auto page = admin_.get(
        fmt::format("/api/topics/{}/messages?partition={}&offset=0&limit=100", topic, number));
    EXPECT_EQ(page.status, 200) << page.body;
    std::vector<std::string> values;
    const auto json = page.json();
    for (const auto& [k, m] : json.get_child("messages")) {
      values.push_back(m.get<std::string>("value.text"));
    }
    return values;
  }

  std::vector<pt::ptree> auditRows(const std::string& action) {
    std::vector<pt::ptree> rows;
    const auto json = admin_.get("/api/audit?action=" + action).json();
    for (const auto& [k, row] : json.get_child("entries")) {
      rows.push_back(row);
    }
    return rows;
  }
};

// A request that must be refused with `status`, the error naming `field`.
struct Refusal {
  std::string target, body;
  int status;
  std::string field;
};

void expectRefused(Client& client, const std::string& method,
                   const std::vector<Refusal>& refusals) {
  for (const auto& r : refusals) {
    auto refused = client.call(method, r.target, r.body);
    EXPECT_EQ(refused.status, r.status) << r.target << " " << r.body << " -> " << refused.body;
    EXPECT_EQ(refused.errorField(), r.field) << refused.body;
    EXPECT_FALSE(refused.json().get<std::string>("error.message").empty()) << refused.body;
  }
}

std::vector<std::string> numbered(const std::string& prefix, int from, int count) {
  std::vector<std::string> values;
  for (int i = from; i < from + count; ++i) values.push_back(fmt::format("{}{}", prefix, i));
  return values;
}

TEST_F(PortalPartitions, ReadOnlyRefusesProduceThroughTheBrokerAndWritableAcceptsItAgain) {
  createPaymentsTopic("ro", 2);
  ASSERT_EQ(produce("ro", 1, numbered("m", 0, 3)).error, rpc::ErrorCode::NONE);
  const std::string target = "/api/topics/ro/partitions/1";
  const std::string body = R"({"read_only":true})";

  // Refusals change nothing.
  EXPECT_EQ(anonymous_.call("PATCH", target, body).status, 401);
  Client no_csrf(port());
  ASSERT_EQ(no_csrf.login("alice", "alice-password-1").status, 200);
  no_csrf.forgetCsrf();
  auto missing = no_csrf.call("PATCH", target, body);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.errorCode(), "csrf_token_missing");
  auto other_team = bob_.call("PATCH", target, body);
  EXPECT_EQ(other_team.status, 403);
  EXPECT_NE(other_team.json().get<std::string>("error.message").find("payments"), std::string::npos)
      << other_team.body;
  expectRefused(alice_, "PATCH",
                {{target, "{}", 400, "read_only"},
                 {target, R"({"read_only":"yes"})", 400, "read_only"},
                 {target, R"({"read_only":1})", 400, "read_only"},
                 {target, R"({"read_only":true,"datanode":"x"})", 400, "datanode"},
                 {"/api/topics/ro/partitions/x", body, 400, "partition"},
                 {"/api/topics/ro/partitions/-1", body, 400, "partition"},
                 {"/api/topics/ro/partitions/2", body, 404, "partition"}});
  auto not_json = alice_.call("PATCH", target, R"({"read_only":)");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.errorCode(), "invalid_json");
  EXPECT_EQ(alice_.call("PATCH", "/api/topics/missing/partitions/0", body).status, 404);
  EXPECT_EQ(alice_.call("POST", target, body).status, 405);
  for (int p : {0, 1}) EXPECT_EQ(partition("ro", p).get<std::string>("state"), "active");
  EXPECT_TRUE(auditRows("partition.read_only").empty());
  ASSERT_EQ(produce("ro", 1, {"m3"}).error, rpc::ErrorCode::NONE);

  // Read-only: the broker refuses produce at once (the partition is sealed on its datanode)
  // and nothing is stored.
  auto made = alice_.call("PATCH", target, body);
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(made.json().get<std::string>("state"), "read_only");
  EXPECT_FALSE(made.json().get<bool>("writable"));
  EXPECT_EQ(made.json().get<int64_t>("end_offset"), 4);
  auto refused = produce("ro", 1, {"late"});
  EXPECT_EQ(refused.error, rpc::ErrorCode::PARTITION_READ_ONLY) << refused.error_message;
  EXPECT_EQ(partition("ro", 1).get<int64_t>("end_offset"), 4);
  EXPECT_EQ(partition("ro", 0).get<std::string>("state"), "active");
  // Again: no change, no second audit row.
  EXPECT_EQ(alice_.call("PATCH", target, body).status, 200);
  auto rows = auditRows("partition.read_only");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get<std::string>("actor"), "user:alice");
  EXPECT_EQ(rows[0].get<std::string>("object"), "ro/1");
  EXPECT_NE(rows[0].get<std::string>("before").find("\"state\":\"active\""), std::string::npos);
  EXPECT_NE(rows[0].get<std::string>("after").find("\"state\":\"read_only\""), std::string::npos);
  // Bob may still not undo it.
  EXPECT_EQ(bob_.call("PATCH", target, R"({"read_only":false})").status, 403);
  EXPECT_EQ(partition("ro", 1).get<std::string>("state"), "read_only");

  // Writable again (an admin this time): produce is accepted once the broker's topology has
  // caught up (it refreshes every second), at the next offset.
  auto writable = admin_.call("PATCH", target, R"({"read_only":false})");
  ASSERT_EQ(writable.status, 200) << writable.body;
  EXPECT_EQ(writable.json().get<std::string>("state"), "active");
  EXPECT_TRUE(writable.json().get<bool>("writable"));
  rpc::PartitionProduceResult accepted;
  ASSERT_TRUE(eventually(std::chrono::seconds(5), [&] {
    accepted = produce("ro", 1, {"m4"});
    return accepted.error == rpc::ErrorCode::NONE;
  })) << accepted.error_message;
  EXPECT_EQ(accepted.base_offset, 4);
  EXPECT_EQ(stored("ro", 1), numbered("m", 0, 5));
  rows = auditRows("partition.writable");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get<std::string>("actor"), "user:admin");
  EXPECT_EQ(rows[0].get<std::string>("object"), "ro/1");
  EXPECT_NE(rows[0].get<std::string>("after").find("\"state\":\"active\""), std::string::npos);
}

TEST_F(PortalPartitions, AdminsMigrateAPartitionAndNoMessageIsLost) {
  createPaymentsTopic("moving", 1);
  const std::string from = partition("moving", 0).get<std::string>("datanode");
  std::string to;
  const auto cluster = admin_.get("/api/cluster").json();
  for (const auto& [k, node] : cluster.get_child("datanodes")) {
    EXPECT_EQ(node.get<std::string>("state"), "active");
    if (node.get<std::string>("name") != from) to = node.get<std::string>("name");
  }
  ASSERT_FALSE(to.empty());
  ASSERT_EQ(produce("moving", 0, numbered("before-", 0, 50)).error, rpc::ErrorCode::NONE);
  EXPECT_GT(partition("moving", 0).get<int64_t>("size_bytes"), 0);
  const std::string target = "/api/topics/moving/partitions/0/migrate";
  const std::string body = fmt::format(R"({{"datanode":"{}"}})", to);

  // Refusals change nothing: not signed in, no CSRF token, not an admin (not even the
  // topic's team: the datanodes are shared), bad input naming the field.
  EXPECT_EQ(anonymous_.post(target, body).status, 401);
  Client no_csrf(port());
  ASSERT_EQ(no_csrf.login("admin", admin_password_).status, 200);
  no_csrf.forgetCsrf();
  EXPECT_EQ(no_csrf.post(target, body).errorCode(), "csrf_token_missing");
  for (Client* member : {&alice_, &bob_}) {
    auto refused = member->post(target, body);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_NE(refused.json().get<std::string>("error.message").find("only admins"),
              std::string::npos)
        << refused.body;
  }
  expectRefused(admin_, "POST",
                {{target, "{}", 400, "datanode"},
                 {target, R"({"datanode":""})", 400, "datanode"},
                 {target, R"({"datanode":"no-such-node"})", 400, "datanode"},
                 {target, fmt::format(R"({{"datanode":"{}"}})", from), 400, "datanode"},
                 {target, R"({"datanode":["a"]})", 400, "datanode"},
                 {"/api/topics/moving/partitions/1/migrate", body, 404, "partition"},
                 {"/api/topics/moving/partitions/zero/migrate", body, 400, "partition"}});
  auto same = admin_.post(target, fmt::format(R"({{"datanode":"{}"}})", from));
  EXPECT_NE(same.json().get<std::string>("error.message").find("already"), std::string::npos)
      << same.body;
  EXPECT_EQ(admin_.post(target, R"({"datanode":)").errorCode(), "invalid_json");
  EXPECT_EQ(admin_.post("/api/topics/missing/partitions/0/migrate", body).status, 404);
  EXPECT_EQ(admin_.get("/api/topics/moving").json().get<int>("topic.partitions"), 1);
  EXPECT_EQ(partition("moving", 0).get<std::string>("state"), "active");
  EXPECT_TRUE(auditRows("partition.migrate").empty());

  // The migration: a new partition on the target takes the writes, the old one is read-only
  // and keeps its messages for the consumers.
  auto moved = admin_.post(target, body);
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto json = moved.json();
  EXPECT_EQ(json.get<int>("old_partition.partition"), 0);
  EXPECT_EQ(json.get<std::string>("old_partition.state"), "read_only");
  EXPECT_EQ(json.get<std::string>("old_partition.datanode"), from);
  EXPECT_EQ(json.get<int>("old_partition.replaced_by"), 1);
  EXPECT_EQ(json.get<int64_t>("old_partition.end_offset"), 50);
  EXPECT_EQ(json.get<int>("new_partition.partition"), 1);
  EXPECT_EQ(json.get<std::string>("new_partition.state"), "active");
  EXPECT_EQ(json.get<std::string>("new_partition.datanode"), to);
  EXPECT_EQ(produce("moving", 0, {"late"}).error, rpc::ErrorCode::PARTITION_READ_ONLY);
  rpc::PartitionProduceResult after;
  ASSERT_TRUE(eventually(std::chrono::seconds(5), [&] {
    after = produce("moving", 1, numbered("after-", 0, 30));
    return after.error == rpc::ErrorCode::NONE;
  })) << after.error_message;

  // Every message is there once: the 50 on the old partition, the 30 on the new one.
  EXPECT_EQ(stored("moving", 0), numbered("before-", 0, 50));
  EXPECT_EQ(stored("moving", 1), numbered("after-", 0, 30));
  EXPECT_EQ(admin_.get("/api/topics/moving").json().get<int>("topic.partitions"), 2);

  // Once is enough.
  auto again = admin_.post(target, body);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorField(), "partition");
  auto rows = auditRows("partition.migrate");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get<std::string>("actor"), "user:admin");
  EXPECT_EQ(rows[0].get<std::string>("object"), "moving/0");
  EXPECT_NE(rows[0].get<std::string>("after").find("\"replaced_by\":1"), std::string::npos)
      << rows[0].get<std::string>("after");
}

// --- Static files -----------------------------------------------------------------------

TEST_F(PortalApi, StaticFilesAreServedWithAStrictPolicyAndNothingOutsideTheFolder) {
  auto index = anonymous_.get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"/js/app.js\">"), std::string::npos);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
  auto script = anonymous_.get("/js/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  for (const char* target :
       {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/js/..%2f..%2fCMakeLists.txt",
        "/.git/config", "/nothing.html", "/js"}) {
    EXPECT_EQ(anonymous_.get(target).status, 404) << target;
  }
  EXPECT_EQ(anonymous_.get("/api/nothing").status, 401);
  EXPECT_EQ(admin_.get("/api/nothing").status, 404);
}

// --- Dead letters (docs/dead-letters.md) ------------------------------------------------

TEST_F(PortalApi, DeadLettersAreShownToTheTopicsReadersAndReplayedOrPurgedByTheGroupsTeam) {
  createPaymentsTopic("orders", 1);
  ASSERT_EQ(admin_.post("/api/groups/billing/owner", R"({"team":"payments"})").status, 200);
  {
    ProducerConfig producer_config;
    producer_config.metaserver = cluster_.metaserverAddress();
    Producer producer(producer_config);
    producer.send("orders", "<b>poison</b>");
    ConsumerConfig config;
    config.metaserver = cluster_.metaserverAddress();
    config.group_id = "billing";
    config.failed_messages.enabled = true;
    config.failed_messages.retry_backoff_ms = {};  // dead-lettered at the first failure
    Consumer consumer(config);
    consumer.subscribe({"orders"});
    size_t handled = 0;
    for (int i = 0; i < 100 && handled == 0; ++i) {
      handled = consumer.poll(std::chrono::milliseconds(200), [](const ConsumedMessage&) {
        throw std::runtime_error("bad <price>");
      });
    }
    ASSERT_EQ(handled, 1u);
    consumer.close();  // waits for the dead letter, commits
  }
  auto list = bob_.get("/api/dead-letters");
  ASSERT_EQ(list.status, 200) << list.body;
  auto pairs = list.json().get_child("dead_letters");
  ASSERT_EQ(pairs.size(), 1u);
  const auto& pair = pairs.front().second;
  EXPECT_EQ(pair.get<std::string>("group"), "billing");
  EXPECT_EQ(pair.get<int>("messages"), 1);
  EXPECT_EQ(pair.get<std::string>("owner_team"), "payments");
  EXPECT_FALSE(pair.get<bool>("can_change")) << "bob is not in payments";
  EXPECT_FALSE(pair.get<bool>("can_read")) << "bob may not read orders";
  const auto alices =
      alice_.get("/api/dead-letters?group=billing").json().get_child("dead_letters").front().second;
  EXPECT_TRUE(alices.get<bool>("can_change"));
  EXPECT_TRUE(alices.get<bool>("can_read"));
  // Dead letters are copies of the topic's messages: not for bob.
  auto hidden = bob_.get("/api/dead-letters/billing/orders");
  EXPECT_EQ(hidden.status, 403) << hidden.body;
  EXPECT_EQ(hidden.body.find("poison"), std::string::npos);

  auto shown = alice_.get("/api/dead-letters/billing/orders");
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto letter = shown.json().get_child("messages").front().second;
  EXPECT_EQ(letter.get<std::string>("value.text"), "<b>poison</b>");
  std::map<std::string, std::string> headers;
  for (const auto& [_, header] : letter.get_child("headers")) {
    headers[header.get<std::string>("name")] = header.get<std::string>("value.text", "");
  }
  EXPECT_EQ(headers["mq-attempt"], "1");
  EXPECT_EQ(headers["mq-last-error"], "bad <price>");
  EXPECT_NE(shown.body.find("\\u003cb\\u003epoison"), std::string::npos)
      << "markup is escaped in JSON";

  auto ordersEnd = [&] {
    ClientConfig config;
    config.metaserver = cluster_.metaserverAddress();
    return AdminClient(config).topicOffsets("orders").at(0).end_offset;
  };
  const int64_t end_before = ordersEnd();
  // Not bob's team; bad input; no CSRF token: refused, nothing changes.
  EXPECT_EQ(bob_.post("/api/dead-letters/billing/orders/replay", R"({"offset":0})").status, 403);
  EXPECT_EQ(bob_.post("/api/dead-letters/billing/orders/purge", "{}").status, 403);
  auto neither = alice_.post("/api/dead-letters/billing/orders/replay", "{}");
  EXPECT_EQ(neither.status, 400);
  EXPECT_EQ(neither.errorField(), "offset");
  auto target = alice_.post("/api/dead-letters/billing/orders/replay",
                            R"({"all":true,"target":"elsewhere"})");
  EXPECT_EQ(target.status, 400);
  EXPECT_EQ(target.errorField(), "target");
  auto missing = alice_.post("/api/dead-letters/billing/orders/replay", R"({"offset":9})");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(missing.body.find("offset 9 is not a stored dead letter"), std::string::npos);
  EXPECT_EQ(alice_.get("/api/dead-letters/nobody/orders").status, 404);
  EXPECT_EQ(alice_.get("/api/dead-letters/billing/orders?limit=0").status, 400);
  Client no_csrf(port());
  ASSERT_EQ(no_csrf.login("alice", "alice-password-1").status, 200);
  no_csrf.forgetCsrf();
  EXPECT_EQ(no_csrf.post("/api/dead-letters/billing/orders/purge", "{}").status, 403);
  EXPECT_EQ(ordersEnd(), end_before);
  EXPECT_EQ(alice_.get("/api/dead-letters/billing/orders").json().get<int>("summary.messages"), 1);

  auto replayed = alice_.post("/api/dead-letters/billing/orders/replay", R"({"offset":0})");
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(replayed.json().get<int>("replayed"), 1);
  EXPECT_EQ(ordersEnd(), end_before + 1);
  auto purged = alice_.post("/api/dead-letters/billing/orders/purge", "{}");
  ASSERT_EQ(purged.status, 200) << purged.body;
  EXPECT_EQ(purged.json().get<int>("purged"), 1);
  EXPECT_EQ(admin_.get("/api/dead-letters/billing/orders").json().get<int>("summary.messages"), 0);
  auto audit = admin_.get("/api/audit?action=dead_letters.replay");
  EXPECT_NE(audit.body.find("user:alice"), std::string::npos) << audit.body;
}

}  // namespace
}  // namespace mq::test
