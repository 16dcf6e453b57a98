// CreatePartitions (key 37): raises topics' partition counts to a new total
// (apache/kafka clients/src/main/resources/common/message/CreatePartitions{Request,Response}.json).
// Versions 0..3 (v2+ flexible).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct CreatePartitionsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 3;
  static constexpr int16_t kFlexibleFrom = 2;

  struct Assignment {
    std::vector<int32_t> broker_ids;
  };
  struct Topic {
    std::string name;
    int32_t count = 0;  // the new total
    std::vector<Assignment> assignments;
    bool assignments_null = true;
  };

  std::vector<Topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.int32(t.count);
      io.array(
          t.assignments, all(), [&](auto& a) { io.int32s(a.broker_ids); }, &t.assignments_null);
    });
    io.int32(m.timeout_ms);
    io.boolean(m.validate_only);
  }
};

struct CreatePartitionsResponse {
  static constexpr int16_t kFlexibleFrom = CreatePartitionsRequest::kFlexibleFrom;

  struct Result {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Result> results;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms);
    io.array(m.results, all(), [&](auto& r) {
      io.string(r.name);
      io.int16(r.error_code);
      io.nullableString(r.error_message);
    });
  }
};

}  // namespace mq::kafka
