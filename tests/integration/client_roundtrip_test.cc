// The client library against real brokers: keyed ordering, delivery reports, back-pressure
// never dropping, and mqctl's end-to-end produce/consume.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "mq/client.h"
#include "tests/harness/test_cluster.h"

using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

ProducerConfig producerConfig(TestCluster& cluster) {
  ProducerConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.bootstrap_brokers = cluster.brokerAddresses();
  return config;
}

TEST(ClientRoundTrip, SameKeyGoesToOnePartitionInSendOrder) {
  TestCluster cluster;
  cluster.createTopic("orders", 6);
  std::map<std::string, int> partition_of_key;
  {
    Producer producer(producerConfig(cluster));
    std::vector<std::future<SendResult>> sent;
    for (int i = 0; i < 600; ++i) {
      sent.push_back(
          producer.sendAsync("orders", std::to_string(i), "user-" + std::to_string(i % 10)));
    }
    producer.flush();
    for (int i = 0; i < 600; ++i) {
      auto result = sent[i].get();
      auto key = "user-" + std::to_string(i % 10);
      auto [it, fresh] = partition_of_key.emplace(key, result.partition);
      EXPECT_EQ(it->second, result.partition) << "key " << key << " changed partition";
    }
  }
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < 6; ++p) all.push_back({"orders", p});
  consumer.assign(all);
  consumer.seekToBeginning(all);
  std::map<std::string, int> last_seen;  // key -> last value number
  int received = 0;
  for (int polls = 0; received < 600 && polls < 100; ++polls) {
    for (const auto& m : consumer.poll(std::chrono::milliseconds(500))) {
      ++received;
      ASSERT_TRUE(m.key);
      int value = std::stoi(m.value);
      auto it = last_seen.find(*m.key);
      if (it != last_seen.end()) {
        EXPECT_LT(it->second, value) << "order broken for " << *m.key;
      }
      last_seen[*m.key] = value;
      EXPECT_EQ(partition_of_key[*m.key], m.partition);
    }
  }
  EXPECT_EQ(received, 600);
  EXPECT_GT(std::set<int>([&] {
              std::set<int> s;
              for (auto& [k, p] : partition_of_key) s.insert(p);
              return s;
            }())
                .size(),
            1u)
      << "ten keys should spread over several partitions";
}

TEST(ClientRoundTrip, PollReturnsAsSoonAsAMessageArrives) {
  TestCluster cluster;
  cluster.createTopic("live", 1);
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  Consumer consumer(config);
  consumer.assign({{"live", 0}});
  consumer.seekToEnd({{"live", 0}});
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Producer producer(producerConfig(cluster));
    producer.send("live", "now");
  });
  auto start = std::chrono::steady_clock::now();
  std::vector<ConsumedMessage> got;
  while (got.empty() && std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
    got = consumer.poll(std::chrono::seconds(10));
  }
  later.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "now");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ClientRoundTrip, MqctlProducesAndConsumesLinesAsJson) {
  TestCluster cluster;
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"topic", "create", "cli", "--partitions", "2"}, &out, &err), 0) << err;
  ASSERT_EQ(cluster.mqctl({"produce", "cli", "--key", "k"}, &out, &err, "one\ntwo\nthree\n"), 0)
      << err;
  ASSERT_EQ(cluster.mqctl({"consume", "cli", "--from", "earliest", "--max", "3", "--json",
                           "--timeout-ms", "3000"},
                          &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("\"value\":\"one\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"value\":\"three\""), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;

  EXPECT_NE(cluster.mqctl({"consume", "nope"}, &out, &err), 0);
  EXPECT_NE(err.find("unknown topic `nope`"), std::string::npos) << err;
  EXPECT_NE(cluster.mqctl({"produce", "cli", "--partition", "9"}, &out, &err, "x\n"), 0);
  EXPECT_NE(err.find("out of range 0..1"), std::string::npos) << err;
  EXPECT_EQ(out, "") << "a refused produce prints the error, not `produced 0 messages`";
  EXPECT_NE(cluster.mqctl({"produce", "nope"}, &out, &err, "x\n"), 0);
  EXPECT_NE(err.find("unknown topic `nope`"), std::string::npos) << err;
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace mq::test
