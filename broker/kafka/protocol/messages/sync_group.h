// SyncGroup (key 14): the leader hands in every member's assignment; every member gets its
// own (apache/kafka clients/src/main/resources/common/message/SyncGroup{Request,Response}.json).
// Versions 0..3 (v3: static membership; v4 is flexible).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct SyncGroupRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 3;
  static constexpr int16_t kFlexibleFrom = 4;

  struct Assignment {
    std::string member_id;
    std::string assignment;  // ConsumerProtocolAssignment (consumer_protocol.h)
  };

  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<Assignment> assignments;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.group_id);
    io.int32(m.generation_id);
    io.string(m.member_id);
    io.nullableString(m.group_instance_id, since(3));
    io.array(m.assignments, all(), [&](auto& a) {
      io.string(a.member_id);
      io.bytes(a.assignment);
    });
  }
};

struct SyncGroupResponse {
  static constexpr int16_t kFlexibleFrom = SyncGroupRequest::kFlexibleFrom;

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::string assignment;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.int16(m.error_code);
    io.bytes(m.assignment);
  }
};

}  // namespace mq::kafka
