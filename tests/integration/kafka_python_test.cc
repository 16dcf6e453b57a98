// Unmodified python3-confluent-kafka 1.7.0 (librdkafka 2.0.2, Debian) against the Kafka
// listener: tests/kafka/roundtrip.py produces 2,000 keyed messages with headers per codec
// (acks=all, idempotence) and reads them back; the Thrift door reads the same. Pipelined
// Produce requests keep their order (tests/kafka/pipelined_produce.py).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

namespace mq::test {
namespace {

TEST(KafkaPython, ConfluentKafkaRoundTripsEveryCodecAndTheThriftDoorReadsTheSame) {
  ClusterOptions options;
  options.kafka = true;
  TestCluster cluster(options);
  cluster.createTopic("py", 3);
  std::string output, error;
  const int rc =
      runCommand({"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/roundtrip.py",
                  cluster.kafkaBootstrap(), "py", "3", "2000", "none,gzip,snappy,lz4,zstd"},
                 "", &output, &error, 300000);
  ASSERT_EQ(rc, 0) << output << error;
  EXPECT_NE(output.find("\"acked\": 10000"), std::string::npos) << output;

  // Through the Thrift door: every message, its headers as produced.
  std::set<std::string> values;
  for (const auto& [partition, m] : readTopicThroughThrift(cluster, "py", 3)) {
    const auto colon = m.value.find(':');
    ASSERT_NE(colon, std::string::npos) << m.value;
    EXPECT_EQ(m.headers.at("codec"), m.value.substr(0, colon));
    EXPECT_EQ(m.headers.at("index"), m.value.substr(colon + 1));
    EXPECT_EQ(m.key, fmt::format("key-{}", std::stoi(m.value.substr(colon + 1)) % 23));
    EXPECT_GT(m.timestamp_ms, 0);
    values.insert(m.value);
  }
  EXPECT_EQ(values.size(), 10000u);
}

// librdkafka with linger.ms 0 and one message per batch pipelines a Produce request per
// message; the door serves those that arrived together in one round (one group commit per
// datanode). Each partition must still hold exactly what was sent to it, in order.
TEST(KafkaPython, PipelinedProduceRequestsKeepPartitionOrder) {
  ClusterOptions options;
  options.kafka = true;
  TestCluster cluster(options);
  cluster.createTopic("piped", 2);
  cluster.createTopic("piped-idempotent", 2);
  for (const auto& [topic, idempotent] : std::vector<std::pair<std::string, std::string>>{
           {"piped", "0"}, {"piped-idempotent", "1"}}) {
    std::string output, error;
    const int rc = runCommand(
        {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/pipelined_produce.py",
         cluster.kafkaBootstrap(), topic, "6000", idempotent},
        "", &output, &error, 300000);
    ASSERT_EQ(rc, 0) << output << error;
    EXPECT_NE(output.find(R"("acked": 6000, "failed": 0, "consumed": 6000, "out_of_order": 0, )"
                          R"("missing": 0, "duplicates": 0})"),
              std::string::npos)
        << topic << ": " << output;
  }
  // Rounds of more than one request happened: the sum of requests exceeds the rounds.
  const int port = cluster.brokerMetricsPort(0);
  const double rounds = metricSum(port, "mq_broker_kafka_produce_round_requests_count");
  const double requests = metricSum(port, "mq_broker_kafka_produce_round_requests_sum");
  EXPECT_GT(requests, rounds) << "every Produce request was served alone";
  // A request carries at most one message per partition (batch.num.messages 1).
  EXPECT_GE(requests, 6000.0);
}

}  // namespace
}  // namespace mq::test
