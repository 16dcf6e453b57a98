#include "broker/kafka/topic_configs.h"

#include <fmt/format.h>

#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/describe_configs.h"

namespace mq::kafka {
namespace {

using Types = DescribeConfigsResponse;

[[noreturn]] void invalidConfig(const std::string& message) {
  throw KafkaRefusal(KafkaError::kInvalidConfig, message);
}

int64_t parseNumber(const std::string& name, const std::string& value) {
  size_t used = 0;
  int64_t number = 0;
  try {
    number = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value.empty() || used != value.size()) {
    invalidConfig(fmt::format("{} must be a number, got `{}`", name, value));
  }
  return number;
}

}  // namespace

std::vector<KafkaConfigValue> topicConfigs(const TopicRecord& topic, const BrokerConfig& config) {
  return {
      {"cleanup.policy", "delete", kConfigSourceDefault, Types::kTypeString},
      {"retention.ms", std::to_string(topic.retention_ms), kConfigSourceTopic, Types::kTypeLong},
      // Kafka's -1 is mq's 0: no size limit.
      {"retention.bytes", std::to_string(topic.retention_bytes == 0 ? -1 : topic.retention_bytes),
       kConfigSourceTopic, Types::kTypeLong},
      {"max.message.bytes", std::to_string(config.max_batch_bytes), kConfigSourceStaticBroker,
       Types::kTypeInt},
  };
}

std::vector<KafkaConfigValue> brokerConfigs(const BrokerConfig& config) {
  return {
      {"auto.create.topics.enable", "false", kConfigSourceDefault, Types::kTypeBoolean},
      {"num.partitions", "1", kConfigSourceDefault, Types::kTypeInt},
      {"default.replication.factor", "1", kConfigSourceDefault, Types::kTypeInt},
      {"log.retention.ms", std::to_string(kDefaultRetentionMs), kConfigSourceDefault,
       Types::kTypeLong},
      {"message.max.bytes", std::to_string(config.max_batch_bytes), kConfigSourceStaticBroker,
       Types::kTypeInt},
  };
}

NewTopicRetention retentionFromTopicConfigs(const std::vector<TopicConfigEntry>& configs) {
  NewTopicRetention retention;
  for (const auto& entry : configs) {
    if (!entry.value) invalidConfig(fmt::format("config `{}` has no value", entry.name));
    const std::string& value = *entry.value;
    if (entry.name == "retention.ms") {
      retention.retention_ms = parseNumber(entry.name, value);
      if (retention.retention_ms <= 0) {
        invalidConfig(fmt::format(
            "retention.ms must be a positive number of milliseconds (mq has no unlimited "
            "retention), got `{}`",
            value));
      }
    } else if (entry.name == "retention.bytes") {
      const int64_t bytes = parseNumber(entry.name, value);
      if (bytes < -1 || bytes == 0) {
        invalidConfig(fmt::format(
            "retention.bytes must be a positive number of bytes or -1 (no limit), got `{}`",
            value));
      }
      if (bytes > 0) retention.retention_bytes = bytes;
    } else if (entry.name == "cleanup.policy") {
      if (value != "delete") {
        invalidConfig(fmt::format("cleanup.policy `{}` is not supported: mq only deletes", value));
      }
    } else {
      invalidConfig(fmt::format(
          "config `{}` is not supported; a new topic takes retention.ms, retention.bytes and "
          "cleanup.policy=delete",
          entry.name));
    }
  }
  return retention;
}

}  // namespace mq::kafka
