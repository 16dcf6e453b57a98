// DescribeConfigs (key 32): the configs of topics and brokers
// (apache/kafka clients/src/main/resources/common/message/DescribeConfigs{Request,Response}.json).
// Versions 0..4 (v4 flexible).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

// Kafka's ConfigResource types and config sources.
inline constexpr int8_t kConfigResourceTopic = 2;
inline constexpr int8_t kConfigResourceBroker = 4;
inline constexpr int8_t kConfigSourceTopic = 1;         // DYNAMIC_TOPIC_CONFIG
inline constexpr int8_t kConfigSourceStaticBroker = 4;  // STATIC_BROKER_CONFIG
inline constexpr int8_t kConfigSourceDefault = 5;       // DEFAULT_CONFIG

struct DescribeConfigsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 4;
  static constexpr int16_t kFlexibleFrom = 4;

  struct Resource {
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<std::string> configuration_keys;
    bool all_keys = false;  // a null key list: every config
  };

  std::vector<Resource> resources;
  bool include_synonyms = false;
  bool include_documentation = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.array(m.resources, all(), [&](auto& r) {
      io.int8(r.resource_type);
      io.string(r.resource_name);
      io.strings(r.configuration_keys, all(), &r.all_keys);
    });
    io.boolean(m.include_synonyms, since(1));
    io.boolean(m.include_documentation, since(3));
  }
};

struct DescribeConfigsResponse {
  static constexpr int16_t kFlexibleFrom = DescribeConfigsRequest::kFlexibleFrom;

  // Config types (v3+).
  static constexpr int8_t kTypeBoolean = 1;
  static constexpr int8_t kTypeString = 2;
  static constexpr int8_t kTypeInt = 3;
  static constexpr int8_t kTypeLong = 5;

  struct Synonym {
    std::string name;
    std::optional<std::string> value;
    int8_t source = 0;
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = true;
    bool is_default = false;  // v0 only
    int8_t config_source = -1;
    bool is_sensitive = false;
    std::vector<Synonym> synonyms;  // v1+
    int8_t config_type = 0;
    std::optional<std::string> documentation;
  };
  struct Result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Result> results;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms);
    io.array(m.results, all(), [&](auto& r) {
      io.int16(r.error_code);
      io.nullableString(r.error_message);
      io.int8(r.resource_type);
      io.string(r.resource_name);
      io.array(r.configs, all(), [&](auto& c) {
        io.string(c.name);
        io.nullableString(c.value);
        io.boolean(c.read_only);
        io.boolean(c.is_default, between(0, 0));
        io.int8(c.config_source, since(1));
        io.boolean(c.is_sensitive);
        io.array(c.synonyms, since(1), [&](auto& y) {
          io.string(y.name);
          io.nullableString(y.value);
          io.int8(y.source);
        });
        io.int8(c.config_type, since(3));
        io.nullableString(c.documentation, since(3));
      });
    });
  }
};

}  // namespace mq::kafka
