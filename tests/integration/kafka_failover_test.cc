// kill -9 of a broker while an unmodified confluent-kafka producer (acks=all, idempotence on)
// writes through the Kafka listeners of two brokers: every acknowledged message is stored at
// the partition and offset it was acknowledged with, exactly once.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

namespace mq::test {
namespace {

struct Ack {
  int partition = 0;
  int64_t offset = 0;
  std::string value;
};

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

int countPrefix(const std::vector<std::string>& all, const std::string& prefix) {
  int n = 0;
  for (const auto& line : all) n += line.rfind(prefix, 0) == 0;
  return n;
}

TEST(KafkaFailover, KillNineOfABrokerDuringProduceLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.kafka = true;
  options.brokers = 2;
  TestCluster cluster(options);
  constexpr int kPartitions = 4;
  constexpr int kMessages = 12000;  // at 1,000/s: the kill lands after about 3 s
  cluster.createTopic("failover", kPartitions);
  // Both brokers know each other before the producer starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  ChildProcess producer;
  const std::string log = cluster.logDir() + "/produce_acked.log";
  producer.start(
      {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/produce_acked.py",
       cluster.kafkaBootstrap(), "failover", std::to_string(kMessages), "1000"},
      log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (countPrefix(lines(log), "ACK ") < 3000) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no progress before the kill";
    ASSERT_TRUE(producer.running());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  cluster.broker(0).signal(SIGKILL);
  const int status = producer.wait(240000);
  ASSERT_NE(status, -1) << "the producer did not finish";
  const auto output = lines(log);
  ASSERT_FALSE(output.empty());
  std::vector<Ack> acks;
  for (const auto& line : output) {
    if (line.rfind("ACK ", 0) != 0) continue;
    std::istringstream in(line.substr(4));
    Ack ack;
    in >> ack.partition >> ack.offset >> ack.value;
    acks.push_back(ack);
  }
  EXPECT_EQ(output.back(), "DONE " + std::to_string(kMessages) + " 0");
  EXPECT_EQ(static_cast<int>(acks.size()), kMessages);

  // Read everything through the surviving broker.
  std::map<std::pair<int, int64_t>, std::string> stored;
  std::map<std::string, int> copies;
  for (const auto& [p, m] : readTopicThroughThrift(cluster, "failover", kPartitions, 1)) {
    stored[{p, m.offset}] = m.value;
    ++copies[m.value];
  }
  // librdkafka reports a batch answered "duplicate" (error 46) as delivered at offset -1;
  // the brokers answer a retry of any of the five batches it keeps in flight with the
  // original offset instead (storage/producer_batches.h), so every ack must carry one.
  std::map<std::string, std::pair<int, int64_t>> where;
  for (const auto& [position, value] : stored) where[value] = position;
  int missing = 0;
  int without_offset = 0;
  for (const auto& ack : acks) {
    auto found = stored.find({ack.partition, ack.offset});
    if (found != stored.end() && found->second == ack.value) continue;
    ++missing;
    without_offset += ack.offset < 0;
    auto elsewhere = where.find(ack.value);
    ADD_FAILURE() << ack.value << " acknowledged at " << ack.partition << "/" << ack.offset
                  << (elsewhere == where.end()
                          ? std::string(" is not stored")
                          : " is stored at " + std::to_string(elsewhere->second.first) + "/" +
                                std::to_string(elsewhere->second.second));
  }
  EXPECT_EQ(without_offset, 0) << "acknowledgements without an offset";
  int duplicates = 0;
  for (const auto& [value, n] : copies) duplicates += n - 1;
  EXPECT_EQ(missing, 0) << "of " << acks.size() << " acknowledged";
  EXPECT_EQ(duplicates, 0) << "idempotence: a retried batch is stored once";
  RecordProperty("acknowledged", static_cast<int>(acks.size()));
  RecordProperty("stored", static_cast<int>(stored.size()));
}

}  // namespace
}  // namespace mq::test
