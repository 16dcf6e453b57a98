// DeleteTopics (key 20): deletes topics by name
// (apache/kafka clients/src/main/resources/common/message/DeleteTopics{Request,Response}.json).
// Versions 0..6 (v4+ flexible; v6 names topics in structs that may carry a topic id instead,
// which mq does not have: such an entry is answered UNKNOWN_TOPIC_ID).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct DeleteTopicsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 6;
  static constexpr int16_t kFlexibleFrom = 4;

  struct Topic {
    std::optional<std::string> name;
    std::string topic_id = std::string(16, '\0');
  };

  std::vector<Topic> topics;             // v6+
  std::vector<std::string> topic_names;  // v0-5
  int32_t timeout_ms = 60000;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.array(m.topics, since(6), [&](auto& t) {
      io.nullableString(t.name);
      io.uuid(t.topic_id);
    });
    io.strings(m.topic_names, between(0, 5));
    io.int32(m.timeout_ms);
  }
};

struct DeleteTopicsResponse {
  static constexpr int16_t kFlexibleFrom = DeleteTopicsRequest::kFlexibleFrom;

  struct Result {
    std::optional<std::string> name;  // null only in v6+ (a topic asked by id)
    std::string topic_id = std::string(16, '\0');
    int16_t error_code = 0;
    std::optional<std::string> error_message;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Result> responses;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.array(m.responses, all(), [&](auto& r) {
      io.nullableString(r.name);  // never null before v6, where the two encodings agree
      io.uuid(r.topic_id, since(6));
      io.int16(r.error_code);
      io.nullableString(r.error_message, since(5));
    });
  }
};

}  // namespace mq::kafka
