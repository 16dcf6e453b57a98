// CreateTopics (key 19): creates topics, or only checks that they could be (validate_only)
// (apache/kafka clients/src/main/resources/common/message/CreateTopics{Request,Response}.json).
// Versions 0..7 (v5+ flexible; v7 answers topic ids, here always zero).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

// One topic config as CreateTopics and DescribeConfigs carry it.
struct TopicConfigEntry {
  std::string name;
  std::optional<std::string> value;
};

struct CreateTopicsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 7;
  static constexpr int16_t kFlexibleFrom = 5;

  struct Assignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;      // -1: the broker's default
    int16_t replication_factor = -1;  // -1: the broker's default
    std::vector<Assignment> assignments;
    std::vector<TopicConfigEntry> configs;
  };

  std::vector<Topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.int32(t.num_partitions);
      io.int16(t.replication_factor);
      io.array(t.assignments, all(), [&](auto& a) {
        io.int32(a.partition_index);
        io.int32s(a.broker_ids);
      });
      io.array(t.configs, all(), [&](auto& c) {
        io.string(c.name);
        io.nullableString(c.value);
      });
    });
    io.int32(m.timeout_ms);
    io.boolean(m.validate_only, since(1));
  }
};

struct CreateTopicsResponse {
  static constexpr int16_t kFlexibleFrom = CreateTopicsRequest::kFlexibleFrom;

  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    int8_t config_source = -1;
    bool is_sensitive = false;
  };
  struct Topic {
    std::string name;
    std::string topic_id = std::string(16, '\0');
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::vector<Config> configs;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(2));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.uuid(t.topic_id, since(7));
      io.int16(t.error_code);
      io.nullableString(t.error_message, since(1));
      io.int32(t.num_partitions, since(5));
      io.int16(t.replication_factor, since(5));
      io.array(t.configs, since(5), [&](auto& c) {
        io.string(c.name);
        io.nullableString(c.value);
        io.boolean(c.read_only);
        io.int8(c.config_source);
        io.boolean(c.is_sensitive);
      });
    });
  }
};

}  // namespace mq::kafka
