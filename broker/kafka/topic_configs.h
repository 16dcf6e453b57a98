// A topic's configs as Kafka names them: what DescribeConfigs and CreateTopics (v5+) report
// and which configs CreateTopics accepts. mq's topics have retention by time and by bytes
// per partition (Kafka's retention.ms and retention.bytes) and delete old messages
// (cleanup.policy=delete, never compact); message.max.bytes is the broker's. None can be
// altered through Kafka (read-only): `mqctl topic set-retention` changes retention.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "broker/kafka/protocol/messages/create_topics.h"
#include "common/topology.h"

namespace mq::kafka {

struct KafkaConfigValue {
  std::string name;
  std::string value;
  int8_t source = 0;  // kConfigSource* (describe_configs.h)
  int8_t type = 0;    // DescribeConfigsResponse::kType*
};

std::vector<KafkaConfigValue> topicConfigs(const TopicRecord& topic, const BrokerConfig& config);

// The broker's own configs (a BROKER resource): no auto-creation, the default partition
// count and replication factor Kafka clients get, and size limits.
std::vector<KafkaConfigValue> brokerConfigs(const BrokerConfig& config);

// What a new topic gets from CreateTopics' configs: retention.ms (0: the default) at
// creation, retention.bytes (when given and not -1) set right after it, as `mqctl topic
// create --retention-bytes` does. Throws KafkaRefusal INVALID_CONFIG naming a config that mq
// does not have or a bad value.
struct NewTopicRetention {
  int64_t retention_ms = 0;
  std::optional<int64_t> retention_bytes;
};
NewTopicRetention retentionFromTopicConfigs(const std::vector<TopicConfigEntry>& configs);

}  // namespace mq::kafka
