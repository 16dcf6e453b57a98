// Heartbeat (key 12): a member says it is alive; REBALANCE_IN_PROGRESS tells it to rejoin
// (apache/kafka clients/src/main/resources/common/message/Heartbeat{Request,Response}.json).
// Versions 0..3 (v3: static membership; v4 is flexible).
#pragma once

#include <optional>
#include <string>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct HeartbeatRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 3;
  static constexpr int16_t kFlexibleFrom = 4;

  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.group_id);
    io.int32(m.generation_id);
    io.string(m.member_id);
    io.nullableString(m.group_instance_id, since(3));
  }
};

struct HeartbeatResponse {
  static constexpr int16_t kFlexibleFrom = HeartbeatRequest::kFlexibleFrom;

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.int16(m.error_code);
  }
};

}  // namespace mq::kafka
