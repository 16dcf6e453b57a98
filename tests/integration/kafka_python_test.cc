// Unmodified python3-confluent-kafka 1.7.0 (librdkafka 2.0.2, Debian) against the Kafka
// listener: tests/kafka/roundtrip.py produces 2,000 keyed messages with headers per codec
// (acks=all, idempotence) and reads them back; the Thrift door reads the same.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

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

}  // namespace
}  // namespace mq::test
