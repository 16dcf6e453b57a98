// TLS on the Kafka listener: with `tls = on` the broker's Kafka port speaks TLS with the
// Thrift port's certificate. Unmodified kcat 1.7.1 (security.protocol=ssl, trusting the test's
// CA, made by openssl at test time) produces and consumes; a confluent-kafka AdminClient
// creates a topic over TLS, which the broker forwards to the metaserver over TLS too; a
// plaintext Kafka client is refused at once (connection closed, counted), and the listener
// goes on serving TLS clients.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "broker/kafka/protocol/messages/api_versions.h"
#include "tests/harness/kafka_wire_client.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_certificates.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

namespace mq::test {
namespace {

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(KafkaTls, KcatProducesAndConsumesOverTlsAndPlaintextIsRefused) {
  const TestCertificates certificates =
      makeTestCertificates(fmt::format("{}/kafka_tls_test-{}", MQ_TEST_WORK_DIR, getpid()));
  ClusterOptions options;
  options.kafka = true;
  options.tls = certificates.server();
  options.client_tls = certificates.client();
  TestCluster cluster(options);
  cluster.createTopic("tls", 2);
  const std::string bootstrap = cluster.kafkaBootstrap();
  const std::vector<std::string> ssl = {"-X", "security.protocol=ssl", "-X",
                                        "ssl.ca.location=" + certificates.ca};

  std::string input, output, error;
  for (int i = 0; i < 500; ++i) input += fmt::format("k{}:v{}\n", i % 7, i);
  std::vector<std::string> produce = {
      "/usr/bin/kcat", "-b", bootstrap, "-t", "tls", "-P", "-K", ":", "-X", "acks=all"};
  produce.insert(produce.end(), ssl.begin(), ssl.end());
  ASSERT_EQ(runCommand(produce, input, &output, &error, 60000), 0) << error;
  std::vector<std::string> consume = {
      "/usr/bin/kcat", "-b", bootstrap, "-t", "tls", "-C", "-e", "-q", "-o",
      "beginning",     "-f", "%k:%s\n"};
  consume.insert(consume.end(), ssl.begin(), ssl.end());
  ASSERT_EQ(runCommand(consume, "", &output, &error, 60000), 0) << error;
  EXPECT_EQ(lines(output), 500) << error;
  EXPECT_NE(output.find("k3:v3\n"), std::string::npos) << output.substr(0, 200);
  EXPECT_EQ(readTopicThroughThrift(cluster, "tls", 2).size(), 500u);

  // Topic administration over TLS: the broker reaches the metaserver's TLS port as well.
  ASSERT_EQ(
      runCommand({"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/admin.py",
                  bootstrap, "--ca", certificates.ca, "create", "tls-made:2"},
                 "", &output, &error, 60000),
      0)
      << error;
  EXPECT_NE(output.find(R"("name": "tls-made", "error_code": 0)"), std::string::npos) << output;

  // A plaintext Kafka client: its ApiVersions is not a TLS ClientHello; the connection is
  // closed at once, without an answer, and counted.
  {
    KafkaWireClient plaintext(cluster.kafkaPort(0));
    plaintext.send(18, 3, 1, kafka::encodeMessage(kafka::ApiVersionsRequest{}, 3), true);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(plaintext.receive(5000).has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  }
  EXPECT_GE(metricSum(cluster.brokerMetricsPort(0), "mq_broker_tls_handshake_failures_total"), 1);
  // kcat without TLS gives up with an error instead of hanging.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(
      runCommand({"/usr/bin/kcat", "-b", bootstrap, "-L", "-m", "5"}, "", &output, &error, 60000),
      0)
      << output;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));

  // TLS clients are still served.
  ASSERT_EQ(runCommand(consume, "", &output, &error, 60000), 0) << error;
  EXPECT_EQ(lines(output), 500) << error;
}

// tls-require-client-cert = on: the Kafka listener asks for a client certificate signed by
// tls-ca, as the Thrift port does. kcat without one, and kcat with one signed by another CA,
// are refused (their handshake fails, counted); kcat with the CA's client certificate
// produces and consumes.
TEST(KafkaTls, ClientCertificatesAreRequiredWhenTheBrokerAsksForThem) {
  const TestCertificates certificates =
      makeTestCertificates(fmt::format("{}/kafka_tls_client_cert-{}", MQ_TEST_WORK_DIR, getpid()));
  ClusterOptions options;
  options.kafka = true;
  options.tls = certificates.server(/*require_client_cert=*/true);
  options.client_tls = certificates.client(/*with_certificate=*/true);
  TestCluster cluster(options);
  cluster.createTopic("mtls", 1);
  const std::string bootstrap = cluster.kafkaBootstrap();
  auto kcat = [&](std::vector<std::string> args, const std::vector<std::string>& tls,
                  const std::string& input, std::string* output, std::string* error) {
    args.insert(args.begin(), {"/usr/bin/kcat", "-b", bootstrap, "-X", "security.protocol=ssl",
                               "-X", "ssl.ca.location=" + certificates.ca});
    args.insert(args.end(), tls.begin(), tls.end());
    return runCommand(args, input, output, error, 60000);
  };
  const std::vector<std::string> none;
  const std::vector<std::string> ours = {"-X",
                                         "ssl.certificate.location=" + certificates.client_cert,
                                         "-X", "ssl.key.location=" + certificates.client_key};
  const std::vector<std::string> foreign = {
      "-X", "ssl.certificate.location=" + certificates.other_client_cert, "-X",
      "ssl.key.location=" + certificates.other_client_key};
  std::string output, error;

  const double failures_before =
      metricSum(cluster.brokerMetricsPort(0), "mq_broker_tls_handshake_failures_total");
  for (const auto* refused : {&none, &foreign}) {
    EXPECT_NE(kcat({"-L", "-m", "5"}, *refused, "", &output, &error), 0) << output;
    EXPECT_EQ(output.find("mtls"), std::string::npos) << output;
    // A produce gets nothing stored.
    kcat({"-t", "mtls", "-P", "-X", "message.timeout.ms=5000"}, *refused, "lost\n", &output,
         &error);
  }
  EXPECT_GE(metricSum(cluster.brokerMetricsPort(0), "mq_broker_tls_handshake_failures_total"),
            failures_before + 2);
  EXPECT_EQ(readTopicThroughThrift(cluster, "mtls", 1).size(), 0u);

  std::string input;
  for (int i = 0; i < 100; ++i) input += fmt::format("v{}\n", i);
  ASSERT_EQ(kcat({"-t", "mtls", "-P", "-X", "acks=all"}, ours, input, &output, &error), 0) << error;
  ASSERT_EQ(kcat({"-t", "mtls", "-C", "-e", "-q", "-o", "beginning"}, ours, "", &output, &error), 0)
      << error;
  EXPECT_EQ(lines(output), 100) << error;
  EXPECT_EQ(readTopicThroughThrift(cluster, "mtls", 1).size(), 100u);
}

}  // namespace
}  // namespace mq::test
