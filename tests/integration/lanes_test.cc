// Lanes (mq/lane.h; docs/client.md): production, shadow and canary traffic in one topic.
// A default consumer reads production traffic only, a lane consumer its lane only, "*"
// everything; skipped messages still move the position, so commits reach the log end.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "mq/client.h"
#include "tests/harness/test_cluster.h"

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Headers;
using mq::client::kAllLanes;
using mq::client::kLaneHeader;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

constexpr int kPartitions = 2;

ProducerConfig producerConfig(TestCluster& cluster, const std::string& lane) {
  ProducerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.client_id = "lanes-producer";
  config.lane = lane;
  return config;
}

// Reads every partition of `topic` to its end in lane `lane`, commits for `group`; returns
// the values read and the committed offsets.
std::pair<std::multiset<std::string>, std::map<TopicPartition, int64_t>> readLane(
    TestCluster& cluster, const std::string& topic, const std::string& lane,
    const std::string& group, int64_t stored) {
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.client_id = "lanes-consumer";
  config.group_id = group;
  config.enable_auto_commit = false;
  config.lane = lane;
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < kPartitions; ++p) all.push_back(TopicPartition{topic, p});
  consumer.assign(all);
  consumer.seekToBeginning(all);
  std::multiset<std::string> values;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto positions = [&] {
    int64_t sum = 0;
    for (const auto& tp : all) sum += consumer.position(tp);
    return sum;
  };
  while (positions() < stored && std::chrono::steady_clock::now() < deadline) {
    for (auto& message : consumer.poll(std::chrono::milliseconds(300))) {
      auto it = message.headers.find(kLaneHeader);
      const std::string message_lane = it == message.headers.end() ? "" : it->second;
      if (lane != kAllLanes) {
        EXPECT_EQ(message_lane, lane) << message.value;
      }
      values.insert(message.value);
    }
  }
  consumer.commitSync();
  return {values, consumer.committed(all)};
}

TEST(Lanes, ShadowAndCanaryTrafficStayAwayFromProductionConsumers) {
  TestCluster cluster;
  cluster.createTopic("orders", kPartitions);
  {
    Producer production(producerConfig(cluster, ""));
    Producer shadow(producerConfig(cluster, "shadow"));
    for (int i = 0; i < 100; ++i) production.sendAsync("orders", "prod-" + std::to_string(i));
    for (int i = 0; i < 50; ++i) shadow.sendAsync("orders", "shadow-" + std::to_string(i));
    // A lane set on the message itself wins over the producer's.
    for (int i = 0; i < 20; ++i) {
      production.sendAsync("orders", "canary-" + std::to_string(i), std::nullopt,
                           Headers{{kLaneHeader, "canary"}});
    }
    production.flush();
    shadow.flush();
  }
  const int64_t stored = 170;

  auto [prod_values, prod_committed] = readLane(cluster, "orders", "", "billing", stored);
  EXPECT_EQ(prod_values.size(), 100u);
  for (const auto& value : prod_values) EXPECT_EQ(value.rfind("prod-", 0), 0u) << value;

  auto [shadow_values, shadow_committed] =
      readLane(cluster, "orders", "shadow", "billing-shadow", stored);
  EXPECT_EQ(shadow_values.size(), 50u);
  for (const auto& value : shadow_values) EXPECT_EQ(value.rfind("shadow-", 0), 0u) << value;

  auto [canary_values, canary_committed] =
      readLane(cluster, "orders", "canary", "billing-canary", stored);
  EXPECT_EQ(canary_values.size(), 20u);

  auto [all_values, all_committed] = readLane(cluster, "orders", kAllLanes, "audit", stored);
  EXPECT_EQ(all_values.size(), 170u);

  // Skipped messages count as consumed: every group committed the log end.
  int64_t prod_sum = 0, shadow_sum = 0;
  for (const auto& [tp, offset] : prod_committed) prod_sum += offset;
  for (const auto& [tp, offset] : shadow_committed) shadow_sum += offset;
  EXPECT_EQ(prod_sum, stored);
  EXPECT_EQ(shadow_sum, stored);

  // A bad lane name is refused, naming the problem.
  ConsumerConfig bad;
  bad.bootstrap_brokers = cluster.brokerAddresses();
  bad.lane = "shadow traffic";
  try {
    Consumer consumer(bad);
    ADD_FAILURE() << "a lane with a space was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::INVALID_CONFIG);
    EXPECT_NE(std::string(e.what()).find("shadow traffic"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mq::test
