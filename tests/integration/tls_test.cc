// TLS on the Thrift ports (docs/security.md#tls) with real processes: a CA, server and
// client certificates made by `openssl` at test time; a metaserver and brokers with
// `tls = on`; the client library, mqctl and the metaserver's own calls to brokers over TLS.
// Every message produced is counted back; clients that do not speak TLS, do not trust the
// CA, or (with mutual TLS) bring no trusted certificate are refused with clear errors while
// the brokers keep serving; a broker with bad TLS files does not start and says which file.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "mq/client.h"
#include "server/http_client.h"
#include "tests/harness/child_process.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_certificates.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::NewTopic;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

const TestCertificates& certificates() {
  static const TestCertificates made =
      makeTestCertificates(fmt::format("{}/tls_test-{}", MQ_TEST_WORK_DIR, getpid()));
  return made;
}

ClusterOptions tlsCluster(bool require_client_cert) {
  ClusterOptions options;
  options.tls = certificates().server(require_client_cert);
  // The harness's own calls present the client certificate (needed with mutual TLS).
  options.client_tls = certificates().client(/*with_certificate=*/true);
  return options;
}

template <class Config = ClientConfig>
Config clientConfig(const TestCluster& cluster, const TlsConfig& tls) {
  Config config;
  config.metaserver = cluster.metaserverAddress();
  config.tls = tls;
  config.request_timeout_ms = 20000;
  config.retries = 1;
  config.retry_backoff_max_ms = 200;
  return config;
}

NewTopic topic(const std::string& name, int partitions) {
  NewTopic topic;
  topic.name = name;
  topic.partitions = partitions;
  return topic;
}

// Sends `count` messages "prefix-i" and returns how many were acknowledged.
int produce(const TestCluster& cluster, const TlsConfig& tls, const std::string& topic_name,
            const std::string& prefix, int count) {
  Producer producer(clientConfig<ProducerConfig>(cluster, tls));
  std::vector<std::future<SendResult>> sent;
  for (int i = 0; i < count; ++i) {
    sent.push_back(producer.sendAsync(topic_name, fmt::format("{}-{}", prefix, i)));
  }
  producer.flush();
  int acknowledged = 0;
  for (auto& result : sent) {
    result.get();  // throws when not acknowledged
    ++acknowledged;
  }
  return acknowledged;
}

// Every distinct value of the topic's partitions, read from the start.
std::set<std::string> consumeAll(const TestCluster& cluster, const TlsConfig& tls,
                                 const std::string& topic_name, int partitions, size_t expected) {
  Consumer consumer(clientConfig<ConsumerConfig>(cluster, tls));
  std::vector<TopicPartition> all;
  for (int p = 0; p < partitions; ++p) all.push_back({topic_name, p});
  consumer.assign(all);
  consumer.seekToBeginning(all);
  std::set<std::string> values;
  size_t received = 0;
  for (int polls = 0; values.size() < expected && polls < 100; ++polls) {
    for (const auto& message : consumer.poll(std::chrono::milliseconds(500))) {
      values.insert(message.value);
      ++received;
    }
  }
  EXPECT_EQ(received, values.size()) << "duplicates read back";
  return values;
}

// The error a client call fails with ("" when it succeeds), and how long it took.
template <class Fn>
std::string failureOf(Fn&& call, std::chrono::milliseconds* took = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  std::string failure;
  try {
    call();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) std::printf("the client's error: %s\n", failure.c_str());
  if (took) {
    *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  }
  return failure;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new TestCluster(tlsCluster(false)); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static TestCluster* cluster_;
};

TestCluster* TlsTest::cluster_ = nullptr;

TEST_F(TlsTest, ProduceAndConsumeOverTlsLoseNothing) {
  AdminClient admin(clientConfig(*cluster_, certificates().client()));
  admin.createTopic(topic("secure", 3));
  constexpr int kMessages = 3000;
  EXPECT_EQ(produce(*cluster_, certificates().client(), "secure", "m", kMessages), kMessages);
  const auto values = consumeAll(*cluster_, certificates().client(), "secure", 3, kMessages);
  EXPECT_EQ(values.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; i += 500) {
    EXPECT_EQ(values.count(fmt::format("m-{}", i)), 1u) << "m-" << i << " missing";
  }
}

TEST_F(TlsTest, PlaintextClientIsRefusedClearlyAndTheBrokerKeepsServing) {
  AdminClient admin(clientConfig(*cluster_, certificates().client()));
  admin.createTopic(topic("plain-refused", 1));
  TlsConfig plaintext;  // disabled
  std::chrono::milliseconds took{0};
  const std::string failure = failureOf(
      [&] {
        ClientConfig config = clientConfig(*cluster_, plaintext);
        config.metaserver.clear();
        config.bootstrap_brokers = cluster_->brokerAddresses();
        ProducerConfig producer_config;
        static_cast<ClientConfig&>(producer_config) = config;
        producer_config.delivery_timeout_ms = 15000;
        Producer producer(producer_config);
        producer.send("plain-refused", "not over TLS");
      },
      &took);
  EXPECT_NE(failure.find("uses TLS"), std::string::npos) << failure;
  // Refused at once, not after the 20 s request timeout.
  EXPECT_LT(took, std::chrono::milliseconds(15000)) << failure;
  // The metaserver's port refuses a plaintext client the same way.
  const std::string meta_failure =
      failureOf([&] { AdminClient(clientConfig(*cluster_, plaintext)).listTopics(); });
  EXPECT_NE(meta_failure.find("uses TLS"), std::string::npos) << meta_failure;

  // Counted and logged by the broker.
  EXPECT_GE(metricSum(cluster_->brokerMetricsPort(0), "mq_broker_tls_handshake_failures_total"), 1);
  EXPECT_EQ(produce(*cluster_, certificates().client(), "plain-refused", "after", 100), 100);
  EXPECT_EQ(consumeAll(*cluster_, certificates().client(), "plain-refused", 1, 100).size(), 100u);
}

TEST_F(TlsTest, ClientThatDoesNotTrustTheServersCaIsRefused) {
  TlsConfig wrong_ca = certificates().client();
  wrong_ca.ca_file = certificates().other_ca;
  const std::string failure =
      failureOf([&] { AdminClient(clientConfig(*cluster_, wrong_ca)).listTopics(); });
  EXPECT_NE(failure.find("TLS handshake with"), std::string::npos) << failure;
  EXPECT_NE(failure.find("not signed by the CA this client trusts"), std::string::npos) << failure;
  // The certificate names localhost and 127.0.0.1, not this name.
  TlsConfig wrong_name = certificates().client();
  wrong_name.server_name = "broker.example.com";
  const std::string name_failure =
      failureOf([&] { AdminClient(clientConfig(*cluster_, wrong_name)).listTopics(); });
  EXPECT_NE(name_failure.find("does not name `broker.example.com`"), std::string::npos)
      << name_failure;
  TlsConfig right_name = certificates().client();
  right_name.server_name = "localhost";
  EXPECT_EQ(failureOf([&] { AdminClient(clientConfig(*cluster_, right_name)).listTopics(); }), "");
}

TEST_F(TlsTest, MqctlWorksOverTlsAndSaysWhyWithout) {
  std::string out, err;
  ASSERT_EQ(cluster_->mqctl({"topic", "create", "cli-tls", "--partitions", "2"}, &out, &err), 0)
      << err;
  ASSERT_EQ(cluster_->mqctl({"produce", "cli-tls"}, &out, &err, "one\ntwo\nthree\n"), 0) << err;
  ASSERT_EQ(cluster_->mqctl({"consume", "cli-tls", "--from", "earliest", "--max", "3", "--json",
                             "--timeout-ms", "5000"},
                            &out, &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_NE(out.find("\"value\":\"two\""), std::string::npos) << out;

  // The same through the environment instead of flags.
  std::vector<std::string> argv = {
      "/usr/bin/env", "MQ_TLS_CA=" + certificates().ca, binDir() + "/mqctl",
      "--metaserver", cluster_->metaserverAddress(),    "topic",
      "list"};
  ASSERT_EQ(runCommand(argv, "", &out, &err), 0) << err;
  EXPECT_NE(out.find("cli-tls"), std::string::npos) << out;

  // Without TLS: a clear failure, exit 1.
  argv = {binDir() + "/mqctl",
          "--metaserver",
          cluster_->metaserverAddress(),
          "--timeout-ms",
          "5000",
          "topic",
          "list"};
  EXPECT_EQ(runCommand(argv, "", &out, &err), 1);
  EXPECT_NE(err.find("uses TLS"), std::string::npos) << err;
  // A CA file that does not exist: a usage error naming it.
  argv = {binDir() + "/mqctl",
          "--metaserver",
          cluster_->metaserverAddress(),
          "--tls-ca",
          "/nonexistent/ca.pem",
          "topic",
          "list"};
  EXPECT_EQ(runCommand(argv, "", &out, &err), 2);
  EXPECT_NE(err.find("tls-ca `/nonexistent/ca.pem`: cannot read it"), std::string::npos) << err;
}

TEST(TlsPlaintextPort, TlsClientOnAPlaintextPortFailsClearly) {
  TestCluster plain;
  std::chrono::milliseconds took{0};
  ClientConfig config = clientConfig(plain, certificates().client());
  const std::string failure = failureOf([&] { AdminClient(config).listTopics(); }, &took);
  EXPECT_NE(failure.find("TLS handshake with"), std::string::npos) << failure;
  EXPECT_NE(failure.find("may not use TLS"), std::string::npos) << failure;
  EXPECT_LT(took, std::chrono::milliseconds(15000)) << failure;
  // The plaintext port keeps serving plaintext clients.
  EXPECT_EQ(failureOf([&] { AdminClient(clientConfig(plain, TlsConfig{})).listTopics(); }), "");
}

TEST(TlsMutual, ClientsWithoutATrustedCertificateAreRefused) {
  TestCluster cluster(tlsCluster(/*require_client_cert=*/true));
  const TlsConfig with_cert = certificates().client(true);
  AdminClient(clientConfig(cluster, with_cert)).createTopic(topic("mutual", 2));

  const std::string no_cert =
      failureOf([&] { AdminClient(clientConfig(cluster, certificates().client())).listTopics(); });
  EXPECT_NE(no_cert.find("TLS handshake with"), std::string::npos) << no_cert;
  EXPECT_NE(no_cert.find("the server requires a client certificate and this client has none"),
            std::string::npos)
      << no_cert;

  TlsConfig stranger = certificates().client();
  stranger.cert_file = certificates().other_client_cert;
  stranger.key_file = certificates().other_client_key;
  const std::string untrusted =
      failureOf([&] { AdminClient(clientConfig(cluster, stranger)).listTopics(); });
  EXPECT_NE(untrusted.find("TLS handshake with"), std::string::npos) << untrusted;

  EXPECT_EQ(produce(cluster, with_cert, "mutual", "mtls", 500), 500);
  EXPECT_EQ(consumeAll(cluster, with_cert, "mutual", 2, 500).size(), 500u);
  std::string out, err;
  EXPECT_EQ(cluster.mqctl({"topic", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("mutual"), std::string::npos) << out;

  // The metaserver's own calls (the portal's message browser reads through a broker, found
  // through its own MetaService) go over TLS with its certificate as the client's.
  std::string pages;
  for (int partition = 0; partition < 2; ++partition) {
    HttpUrl url;
    url.host = "127.0.0.1";
    url.port = cluster.metaserverHttpPort();
    url.target = fmt::format("/api/topics/mutual/messages?partition={}&limit=5", partition);
    const auto page = httpRequest("GET", url, "", "application/json", 20000);
    EXPECT_EQ(page.status, 200) << page.body;
    pages += page.body;
  }
  EXPECT_NE(pages.find("\"text\":\"mtls-"), std::string::npos) << pages;
}

TEST(TlsConnectionLimit, TlsConnectionsAreCountedAndLimitedLikePlaintextOnes) {
  ClusterOptions options = tlsCluster(false);
  options.broker_args = {"--max-connections-per-ip", "2"};
  TestCluster cluster(options);
  cluster.createTopic("limited", 1);
  const int metrics_port = cluster.brokerMetricsPort(0);
  // The harness's own probes close at once; wait until none is counted.
  ASSERT_TRUE(waitForMetricSum(metrics_port, "mq_broker_connections_open", 0));
  rpc::MetadataRequest request;
  request.header = cluster.header();
  std::vector<std::unique_ptr<RpcClient<rpc::BrokerClient>>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(cluster.brokerClient(0));
    rpc::MetadataResponse response;
    ASSERT_NO_THROW((*open.back())->metadata(response, request)) << "connection " << i;
  }
  EXPECT_EQ(metricSum(metrics_port, "mq_broker_connections_open"), 2);

  // Through the client library: refused during the handshake, said so, retriable.
  ClientConfig config = clientConfig(cluster, certificates().client());
  config.metaserver.clear();
  config.bootstrap_brokers = cluster.brokerAddresses();
  const std::string failure = failureOf([&] {
    ProducerConfig producer_config;
    static_cast<ClientConfig&>(producer_config) = config;
    producer_config.delivery_timeout_ms = 3000;
    Producer(producer_config).send("limited", "refused");
  });
  EXPECT_NE(failure.find("TLS handshake with"), std::string::npos) << failure;
  EXPECT_NE(failure.find("a connection limit"), std::string::npos) << failure;
  EXPECT_GE(metricSum(metrics_port, "mq_broker_connections_refused_total",
                      {R"(reason="max-connections-per-ip")"}),
            1);
  // The connections already open are still served; closing one frees its place.
  for (auto& client : open) {
    rpc::MetadataResponse response;
    EXPECT_NO_THROW((*client)->metadata(response, request));
  }
  open.pop_back();
  ASSERT_TRUE(waitForMetricSum(metrics_port, "mq_broker_connections_open", 1));
  open.clear();
  EXPECT_EQ(produce(cluster, certificates().client(), "limited", "fits", 10), 10);
}

// mq-broker with `argv` (TLS options) exits non-zero before touching any database; its
// stderr.
std::string brokerStartFailure(const std::vector<std::string>& tls_args, int* status) {
  std::vector<std::string> argv = {binDir() + "/mq-broker", "--meta-db",
                                   "mysql://mq:mq@127.0.0.1:1/unused"};
  argv.insert(argv.end(), tls_args.begin(), tls_args.end());
  std::string out, err;
  *status = runCommand(argv, "", &out, &err, 20000);
  return err;
}

TEST(TlsStartup, BrokerWithBadTlsFilesExitsNamingTheFile) {
  const auto& c = certificates();
  int status = 0;
  std::string err = brokerStartFailure(
      {"--tls", "on", "--tls-cert", c.dir + "/missing.pem", "--tls-key", c.server_key}, &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("tls-cert `" + c.dir + "/missing.pem`: cannot read it"), std::string::npos)
      << err;

  err = brokerStartFailure({"--tls", "on", "--tls-cert", c.server_cert, "--tls-key", c.client_key},
                           &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("tls-key `" + c.client_key +
                     "`: does not match the certificate in tls-cert `" + c.server_cert + "`"),
            std::string::npos)
      << err;

  const std::string garbage = c.dir + "/garbage-ca.pem";
  std::ofstream(garbage) << "this is not a certificate\n";
  err = brokerStartFailure(
      {"--tls", "on", "--tls-cert", c.server_cert, "--tls-key", c.server_key, "--tls-ca", garbage},
      &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("tls-ca `" + garbage + "`: holds no PEM certificate"), std::string::npos)
      << err;

  err = brokerStartFailure({"--tls", "on"}, &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("tls-cert is required when tls is on"), std::string::npos) << err;

  err = brokerStartFailure({"--tls", "on", "--tls-cert", c.server_cert, "--tls-key", c.server_key,
                            "--tls-require-client-cert", "on"},
                           &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("tls-require-client-cert needs tls-ca"), std::string::npos) << err;
}

}  // namespace
}  // namespace mq::test
