// The Kafka view of the broker registry: each live broker with a Kafka listener becomes a
// Kafka node with a stable int32 node id (derived from its registry id, so it survives
// restarts and is the same on every broker), and each partition gets a leader among those
// nodes, spread evenly and deterministically: a topic's partitions go round the nodes in
// node-id order from a start that depends on the topic's name. Any mq broker can serve any
// partition, so the leader only spreads client load; when brokers come or go, clients see
// the new leaders at their next Metadata request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "common/topology.h"

namespace mq::kafka {

// The cluster id Metadata and DescribeCluster report.
inline constexpr const char* kKafkaClusterId = "mq";

struct KafkaNode {
  int32_t node_id = 0;
  std::string broker_id;
  std::string host;
  int32_t port = 0;
};

// A non-negative int32 from the broker's registry id (FNV-1a, top bit cleared).
int32_t kafkaNodeId(const std::string& broker_id);

// This broker as a Kafka node: its registry id's node id and its advertised Kafka address.
KafkaNode selfKafkaNode(const BrokerConfig& config);

// The live brokers that serve Kafka, ordered by node id; `self` is included even before the
// registry shows it (a broker answering Metadata is alive). Brokers whose ids collide on a
// node id keep only the first (by registry id); vanishingly rare, and logged.
std::vector<KafkaNode> kafkaNodes(const std::vector<BrokerRecord>& live, const KafkaNode& self);

// The leader of `partition` of `topic` among `nodes` (not empty).
int32_t leaderFor(const std::string& topic, int32_t partition, const std::vector<KafkaNode>& nodes);

}  // namespace mq::kafka
