// LeaveGroup (key 13): members leave at once instead of waiting out their session
// (apache/kafka clients/src/main/resources/common/message/LeaveGroup{Request,Response}.json).
// Versions 0..3: v3 lets one request name several members (member id or instance id).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct LeaveGroupRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 3;
  static constexpr int16_t kFlexibleFrom = 4;

  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
  };

  std::string group_id;
  std::string member_id;        // v0..2
  std::vector<Member> members;  // v3+

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.group_id);
    io.string(m.member_id, between(0, 2));
    io.array(m.members, since(3), [&](auto& member) {
      io.string(member.member_id);
      io.nullableString(member.group_instance_id);
    });
  }
};

struct LeaveGroupResponse {
  static constexpr int16_t kFlexibleFrom = LeaveGroupRequest::kFlexibleFrom;

  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int16_t error_code = 0;
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<Member> members;  // v3+

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.int16(m.error_code);
    io.array(m.members, since(3), [&](auto& member) {
      io.string(member.member_id);
      io.nullableString(member.group_instance_id);
      io.int16(member.error_code);
    });
  }
};

}  // namespace mq::kafka
