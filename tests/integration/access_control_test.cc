// Access control (docs/security.md) with real processes: a metaserver and two brokers with
// `auth = on`. Tokens and grants are issued through the metaserver's Thrift API (the client
// library and mqctl); brokers check every produce, fetch and group call against them; the
// control plane refuses changes without a cluster-admin token; a revoke takes effect within
// the refresh period; refusals are clear errors and are counted in /metrics.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "mq/client.h"
#include "server/security_config.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::NewTopic;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

std::string workFile(const std::string& name) {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  return fmt::format("{}/access_control_test-{}.{}", MQ_TEST_WORK_DIR, getpid(), name);
}

ClusterOptions securedCluster() {
  std::filesystem::remove(workFile("bootstrap"));
  ClusterOptions options;
  options.brokers = 2;
  options.broker_args = {"--auth", "on", "--auth-refresh", "500ms"};
  options.metaserver_args = {
      "--auth", "on", "--auth-refresh", "500ms", "--bootstrap-token-file", workFile("bootstrap")};
  options.admin_token_file = workFile("bootstrap");
  return options;
}

// The sum of a counter's samples whose labels contain every `labels` pair, from /metrics.
int64_t counter(int port, const std::string& name, const std::vector<std::string>& labels) {
  return static_cast<int64_t>(metricSum(port, name, labels));
}

NewTopic topic(const std::string& name, int partitions) {
  NewTopic topic;
  topic.name = name;
  topic.partitions = partitions;
  return topic;
}

class AccessControlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new TestCluster(securedCluster());
    admin_secret_ = readSecretFile("bootstrap", workFile("bootstrap"));
    AdminClient admin(config(admin_secret_));
    admin.createTopic(topic("orders", 2));
    admin.createTopic(topic("payments", 1));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  static ClientConfig config(const std::string& token) {
    ClientConfig config;
    config.metaserver = cluster_->metaserverAddress();
    config.token = token;
    config.retries = 2;
    config.retry_backoff_max_ms = 200;
    return config;
  }
  static ProducerConfig producerConfig(const std::string& token) {
    ProducerConfig producer;
    static_cast<ClientConfig&>(producer) = config(token);
    producer.delivery_timeout_ms = 20000;
    return producer;
  }
  static ConsumerConfig consumerConfig(const std::string& token, const std::string& group = "") {
    ConsumerConfig consumer;
    static_cast<ClientConfig&>(consumer) = config(token);
    consumer.group_id = group;
    return consumer;
  }

  // Issues a token with the admin token; returns its secret.
  static std::string issue(const std::string& name, const std::string& team) {
    return AdminClient(config(admin_secret_)).createToken(name, team).secret;
  }
  static void grant(const std::string& permission, const std::string& resource_type,
                    const std::string& resource, const std::string& principal_type,
                    const std::string& principal) {
    client::AclEntry entry;
    entry.permission = permission;
    entry.resource_type = resource_type;
    entry.resource_name = resource;
    entry.principal_type = principal_type;
    entry.principal_name = principal;
    AdminClient(config(admin_secret_)).grantAcl(entry);
  }
  // Brokers and the metaserver see a change within auth-refresh (500 ms here).
  static void waitForRefresh() { std::this_thread::sleep_for(std::chrono::milliseconds(1500)); }

  static std::vector<ConsumedMessage> consumeAll(Consumer& consumer, const std::string& topic,
                                                 int partitions, size_t expected) {
    std::vector<TopicPartition> all;
    for (int p = 0; p < partitions; ++p) all.push_back({topic, p});
    consumer.assign(all);
    consumer.seekToBeginning(all);
    std::vector<ConsumedMessage> got;
    for (int polls = 0; got.size() < expected && polls < 40; ++polls) {
      for (auto& m : consumer.poll(std::chrono::milliseconds(250))) got.push_back(std::move(m));
    }
    return got;
  }

  static TestCluster* cluster_;
  static std::string admin_secret_;
};

TestCluster* AccessControlTest::cluster_ = nullptr;
std::string AccessControlTest::admin_secret_;

TEST_F(AccessControlTest, GrantedTokensProduceAndConsumeOthersAreRefusedByName) {
  const std::string writer = issue("orders-writer", "checkout");
  const std::string reader = issue("orders-reader", "analytics");
  grant("produce", "topic", "orders", "token", "orders-writer");
  grant("consume", "topic", "ord*", "team", "analytics");  // a prefix, to a team
  waitForRefresh();

  {
    Producer producer(producerConfig(writer));
    for (int i = 0; i < 50; ++i) producer.send("orders", "order-" + std::to_string(i));
    try {
      producer.send("payments", "not granted");
      FAIL() << "a produce to a topic without a grant succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED);
      EXPECT_FALSE(e.retriable());
      const std::string text = e.what();
      EXPECT_NE(text.find("orders-writer"), std::string::npos) << text;
      EXPECT_NE(text.find("produce"), std::string::npos) << text;
      EXPECT_NE(text.find("payments"), std::string::npos) << text;
    }
  }
  {
    Consumer consumer(consumerConfig(reader));
    auto got = consumeAll(consumer, "orders", 2, 50);
    EXPECT_EQ(got.size(), 50u) << "the reader's team has consume on ord*";
  }
  {
    // The writer may not read, the reader may not write.
    Consumer consumer(consumerConfig(writer));
    consumer.assign({{"orders", 0}});
    consumer.seekToBeginning({{"orders", 0}});
    try {
      consumer.poll(std::chrono::milliseconds(500));
      FAIL() << "a fetch without a consume grant succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED) << e.what();
    }
    Producer producer(producerConfig(reader));
    EXPECT_THROW(producer.send("orders", "x"), Error);
  }
  // Nothing the refused calls sent was stored: exactly the writer's 50.
  Consumer check(consumerConfig(reader));
  EXPECT_EQ(consumeAll(check, "orders", 2, 51).size(), 50u);
}

TEST_F(AccessControlTest, MissingAndUnknownTokensAreRefusedAndCounted) {
  auto broker = cluster_->brokerClient(0);
  const int metrics_port = cluster_->brokerMetricsPort(0);
  const int64_t missing_before =
      counter(metrics_port, "mq_broker_auth_refusals_total", {R"(reason="missing_token")"});
  const int64_t unknown_before =
      counter(metrics_port, "mq_broker_auth_refusals_total", {R"(reason="unknown_token")"});

  rpc::MetadataRequest request;
  request.header.client_id = "no-token";
  rpc::MetadataResponse response;
  try {
    (*broker)->metadata(response, request);
    FAIL() << "a request without a token was served";
  } catch (const rpc::MqError& e) {
    EXPECT_EQ(e.code, rpc::ErrorCode::AUTHENTICATION_FAILED);
    EXPECT_NE(e.message.find("no-token"), std::string::npos) << e.message;
  }
  request.header.__set_auth_token(
      "mq_0000000000000000000000000000000000000000000000000000000000000000");
  try {
    (*broker)->metadata(response, request);
    FAIL() << "a request with an unknown token was served";
  } catch (const rpc::MqError& e) {
    EXPECT_EQ(e.code, rpc::ErrorCode::AUTHENTICATION_FAILED);
    EXPECT_NE(e.message.find("unknown or revoked"), std::string::npos) << e.message;
  }
  EXPECT_EQ(counter(metrics_port, "mq_broker_auth_refusals_total", {R"(reason="missing_token")"}),
            missing_before + 1);
  EXPECT_EQ(counter(metrics_port, "mq_broker_auth_refusals_total", {R"(reason="unknown_token")"}),
            unknown_before + 1);
}

TEST_F(AccessControlTest, RefusedBatchIsCountedAndDoesNotFailTheGrantedOneInTheSameRequest) {
  const std::string secret = issue("mixed-writer", "checkout");
  grant("produce", "topic", "orders", "token", "mixed-writer");
  waitForRefresh();
  const int metrics_port = cluster_->brokerMetricsPort(1);
  const std::vector<std::string> labels = {R"(reason="not_authorized")", R"(token="mixed-writer")",
                                           R"(permission="produce")"};
  const int64_t before = counter(metrics_port, "mq_broker_auth_refusals_total", labels);

  auto broker = cluster_->brokerClient(1);
  rpc::ProduceRequest request;
  request.header.client_id = "mixed";
  request.header.__set_auth_token(secret);
  for (const char* topic : {"orders", "payments"}) {
    rpc::PartitionBatch batch;
    batch.topic = topic;
    batch.partition = 0;
    batch.messages.resize(3);
    for (auto& m : batch.messages) m.value = "v";
    request.batches.push_back(batch);
  }
  rpc::ProduceResponse response;
  (*broker)->produce(response, request);
  ASSERT_EQ(response.results.size(), 2u);
  EXPECT_EQ(response.results[0].error, rpc::ErrorCode::NONE) << response.results[0].error_message;
  EXPECT_GE(response.results[0].base_offset, 0);
  EXPECT_EQ(response.results[1].error, rpc::ErrorCode::NOT_AUTHORIZED);
  EXPECT_NE(response.results[1].error_message.find("mixed-writer"), std::string::npos);
  EXPECT_EQ(counter(metrics_port, "mq_broker_auth_refusals_total", labels), before + 1);
}

TEST_F(AccessControlTest, QuotasNeedClusterAdminAndChargeTheTokenByName) {
  const std::string secret = issue("quota-app", "checkout");
  grant("produce", "topic", "payments", "token", "quota-app");
  waitForRefresh();
  client::QuotaEntry quota;
  quota.entity_type = "client";
  quota.entity_name = "quota-app";
  quota.produce_bytes_per_sec = 16 << 10;
  try {
    AdminClient(config(secret)).setQuota(quota);
    FAIL() << "a token without admin on the cluster set a quota";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED) << e.what();
  }
  EXPECT_THROW(AdminClient(config(secret)).listQuotas(), Error);
  AdminClient admin(config(admin_secret_));
  admin.setQuota(quota);
  waitForRefresh();

  // 64 KB through the token (whatever client_id it sends): over 16 KiB/s, throttled on the
  // brokers under the token's name, every message acknowledged.
  {
    ProducerConfig producer_config = producerConfig(secret);
    producer_config.client_id = "some-client-id";
    Producer producer(producer_config);
    std::vector<std::future<SendResult>> sent;
    for (int i = 0; i < 64; ++i)
      sent.push_back(producer.sendAsync("payments", std::string(1000, 'q')));
    for (auto& f : sent) EXPECT_GE(f.get().offset, 0);
  }
  double throttled = 0;
  for (int b = 0; b < cluster_->brokerCount(); ++b) {
    throttled += metricSum(cluster_->brokerMetricsPort(b),
                           "mq_broker_quota_throttled_requests_total", {R"(entity="quota-app")"});
    EXPECT_EQ(metricSum(cluster_->brokerMetricsPort(b), "mq_broker_quota_throttled_requests_total",
                        {R"(entity="some-client-id")"}),
              0);
  }
  EXPECT_GT(throttled, 0);
  admin.removeQuota("client", "quota-app");
}

TEST_F(AccessControlTest, GroupCallsNeedConsumeOnTheGroup) {
  const std::string secret = issue("group-reader", "reporting");
  grant("consume", "topic", "orders", "token", "group-reader");
  grant("consume", "group", "reports", "token", "group-reader");
  waitForRefresh();
  {
    Consumer member(consumerConfig(secret, "reports"));
    member.subscribe({"orders"});
    for (int i = 0; i < 40 && member.assignment().empty(); ++i) {
      member.poll(std::chrono::milliseconds(250));
    }
    EXPECT_FALSE(member.assignment().empty()) << "a granted member joins its group";
  }
  Consumer outsider(consumerConfig(secret, "someone-elses"));
  outsider.subscribe({"orders"});
  try {
    for (int i = 0; i < 20; ++i) outsider.poll(std::chrono::milliseconds(250));
    FAIL() << "joining a group without a grant succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED) << e.what();
    EXPECT_NE(std::string(e.what()).find("someone-elses"), std::string::npos) << e.what();
  }
}

TEST_F(AccessControlTest, RevokedTokenIsRefusedWithinTheRefreshPeriod) {
  const std::string secret = issue("short-lived", "checkout");
  grant("produce", "topic", "orders", "token", "short-lived");
  waitForRefresh();
  Producer producer(producerConfig(secret));
  producer.send("orders", "before revoke");
  AdminClient(config(admin_secret_)).revokeToken("short-lived");
  const auto revoked = std::chrono::steady_clock::now();
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() - revoked < std::chrono::seconds(10)) {
    try {
      producer.send("orders", "after revoke");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), client::ErrorCode::AUTHENTICATION_FAILED) << e.what();
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "the revoked token still produced 10 s later (auth-refresh is 500 ms)";
  const auto grants = AdminClient(config(admin_secret_)).listAcls();
  for (const auto& entry : grants) EXPECT_NE(entry.principal_name, "short-lived");
}

TEST_F(AccessControlTest, ControlPlaneNeedsAClusterAdminToken) {
  const std::string secret = issue("topic-owner", "inventory");
  grant("admin", "topic", "inventory.*", "team", "inventory");
  waitForRefresh();
  AdminClient owner(config(secret));
  EXPECT_FALSE(owner.listTopics().empty()) << "reads need any valid token";
  owner.createTopic(topic("inventory.items", 1));  // admin on the prefix
  try {
    owner.createTopic(topic("elsewhere", 1));
    FAIL() << "created a topic outside its grant";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED) << e.what();
  }
  try {
    owner.createToken("sneaky", "inventory");
    FAIL() << "a token without cluster admin issued a token";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED) << e.what();
    EXPECT_NE(std::string(e.what()).find("topic-owner"), std::string::npos) << e.what();
  }
  AdminClient anonymous(config(""));
  try {
    anonymous.listTopics();
    FAIL() << "the metaserver served a call without a token";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::AUTHENTICATION_FAILED) << e.what();
  }
}

TEST_F(AccessControlTest, MqctlIssuesListsAndRevokesTokensAndGrants) {
  const std::string admin_file = workFile("bootstrap");
  auto mqctl = [&](std::vector<std::string> args, std::string* out, std::string* err) {
    args.insert(args.begin(), {"--token-file", admin_file});
    return cluster_->mqctl(args, out, err);
  };
  std::string out, err;
  ASSERT_EQ(mqctl({"token", "create", "cli-app", "--team", "cli", "--description", "from mqctl",
                   "--json"},
                  &out, &err),
            0)
      << err;
  const std::regex secret_pattern(R"re("secret": ?"(mq_[0-9a-f]{64})")re");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(out, match, secret_pattern)) << out;
  const std::string secret = match[1];
  std::ofstream(workFile("cli-app")) << secret << "\n";

  ASSERT_EQ(
      mqctl({"acl", "grant", "produce", "--topic", "payments", "--token", "cli-app"}, &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("granted produce on topic payments for token cli-app"), std::string::npos)
      << out;
  EXPECT_EQ(
      mqctl({"acl", "grant", "write", "--topic", "payments", "--token", "cli-app"}, &out, &err), 1);
  EXPECT_NE(err.find("produce, consume or admin"), std::string::npos) << err;
  EXPECT_EQ(
      mqctl({"acl", "grant", "produce", "--topic", "payments", "--token", "no-such"}, &out, &err),
      1);
  EXPECT_NE(err.find("no token `no-such`"), std::string::npos) << err;
  waitForRefresh();

  // The new token produces with mqctl, through a file.
  std::string produced;
  EXPECT_EQ(cluster_->mqctl({"--token-file", workFile("cli-app"), "produce", "payments"}, &produced,
                            &err, "paid\n"),
            0)
      << err;
  waitForRefresh();  // last_used_ms is written by the broker's refresh

  ASSERT_EQ(mqctl({"token", "list", "--team", "cli", "--json"}, &out, &err), 0) << err;
  EXPECT_NE(out.find(R"("name":"cli-app")"), std::string::npos) << out;
  EXPECT_EQ(out.find(secret), std::string::npos) << "a list must never show a secret";
  EXPECT_EQ(out.find(R"("last_used_ms":0)"), std::string::npos) << "its use was recorded: " << out;

  ASSERT_EQ(mqctl({"token", "revoke", "cli-app"}, &out, &err), 0) << err;
  EXPECT_EQ(mqctl({"token", "revoke", "cli-app"}, &out, &err), 1);
  EXPECT_NE(err.find("no token `cli-app`"), std::string::npos) << err;
  ASSERT_EQ(mqctl({"acl", "list", "--token", "cli-app"}, &out, &err), 0) << err;
  EXPECT_EQ(out.find("payments"), std::string::npos) << "the revoked token's grants go too";
}

}  // namespace
}  // namespace mq::test
