// The Kafka view of the broker registry (broker/kafka/kafka_nodes.h): stable node ids,
// leaders spread evenly and deterministically over the live brokers with a Kafka listener.
#include "broker/kafka/kafka_nodes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace mq::kafka {
namespace {

BrokerRecord broker(const std::string& id, int kafka_port) {
  BrokerRecord record;
  record.id = id;
  record.host = "127.0.0.1";
  record.port = 9200;
  record.kafka_host = "127.0.0.1";
  record.kafka_port = kafka_port;
  return record;
}

KafkaNode self(const std::string& id, int port) { return {kafkaNodeId(id), id, "127.0.0.1", port}; }

TEST(KafkaNodes, NodeIdsAreStableAndNonNegative) {
  EXPECT_EQ(kafkaNodeId("127.0.0.1:9200"), kafkaNodeId("127.0.0.1:9200"));
  EXPECT_NE(kafkaNodeId("127.0.0.1:9200"), kafkaNodeId("127.0.0.1:9201"));
  for (int i = 0; i < 1000; ++i) EXPECT_GE(kafkaNodeId("broker-" + std::to_string(i)), 0);
}

TEST(KafkaNodes, OnlyBrokersWithAKafkaListenerAndAlwaysSelf) {
  auto nodes = kafkaNodes({broker("a", 9092), broker("b", 0)}, self("c", 9094));
  ASSERT_EQ(nodes.size(), 2u);
  std::vector<std::string> ids{nodes[0].broker_id, nodes[1].broker_id};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "c"}));
  // Self already listed: not twice.
  EXPECT_EQ(kafkaNodes({broker("a", 9092)}, self("a", 9092)).size(), 1u);
}

TEST(KafkaNodes, LeadersSpreadEvenlyAndTheSameOnEveryBroker) {
  const std::vector<BrokerRecord> live = {broker("b1", 1), broker("b2", 2), broker("b3", 3)};
  const auto seen_by_b1 = kafkaNodes(live, self("b1", 1));
  const auto seen_by_b3 = kafkaNodes({live[2], live[0], live[1]}, self("b3", 3));
  for (const std::string topic : {"orders", "payments", "x"}) {
    std::map<int32_t, int> per_node;
    for (int p = 0; p < 12; ++p) {
      const int32_t leader = leaderFor(topic, p, seen_by_b1);
      EXPECT_EQ(leader, leaderFor(topic, p, seen_by_b3)) << topic << " " << p;
      ++per_node[leader];
    }
    ASSERT_EQ(per_node.size(), 3u) << topic;
    for (const auto& [node, count] : per_node) EXPECT_EQ(count, 4) << topic;
  }
}

TEST(KafkaNodes, WithOneBrokerItLeadsEverything) {
  const auto nodes = kafkaNodes({}, self("only", 9092));
  for (int p = 0; p < 5; ++p) EXPECT_EQ(leaderFor("t", p, nodes), kafkaNodeId("only"));
}

}  // namespace
}  // namespace mq::kafka
