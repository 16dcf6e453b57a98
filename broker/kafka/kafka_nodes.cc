#include "broker/kafka/kafka_nodes.h"

#include <algorithm>

#include "common/log.h"

namespace mq::kafka {
namespace {

uint32_t fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

}  // namespace

int32_t kafkaNodeId(const std::string& broker_id) {
  return static_cast<int32_t>(fnv1a(broker_id) & 0x7fffffffu);
}

KafkaNode selfKafkaNode(const BrokerConfig& config) {
  return {kafkaNodeId(config.broker_id), config.broker_id, config.kafka_advertised_host,
          config.kafka_port};
}

std::vector<KafkaNode> kafkaNodes(const std::vector<BrokerRecord>& live, const KafkaNode& self) {
  std::vector<KafkaNode> nodes;
  bool self_listed = false;
  for (const auto& broker : live) {
    if (broker.kafka_port <= 0) continue;
    nodes.push_back({kafkaNodeId(broker.id), broker.id, broker.kafka_host, broker.kafka_port});
    self_listed = self_listed || broker.id == self.broker_id;
  }
  if (!self_listed) nodes.push_back(self);
  std::sort(nodes.begin(), nodes.end(), [](const KafkaNode& a, const KafkaNode& b) {
    return a.node_id != b.node_id ? a.node_id < b.node_id : a.broker_id < b.broker_id;
  });
  auto same_id = [](const KafkaNode& a, const KafkaNode& b) { return a.node_id == b.node_id; };
  auto duplicate = std::adjacent_find(nodes.begin(), nodes.end(), same_id);
  if (duplicate != nodes.end()) {
    logWarn("two brokers map to one Kafka node id; the second is left out of Kafka metadata")
        .kv("node_id", duplicate->node_id)
        .kv("broker", duplicate->broker_id)
        .kv("other", std::next(duplicate)->broker_id);
    nodes.erase(std::unique(nodes.begin(), nodes.end(), same_id), nodes.end());
  }
  return nodes;
}

int32_t leaderFor(const std::string& topic, int32_t partition,
                  const std::vector<KafkaNode>& nodes) {
  const uint64_t start = fnv1a(topic);
  const uint64_t index = (start + static_cast<uint64_t>(partition)) % nodes.size();
  return nodes[index].node_id;
}

}  // namespace mq::kafka
