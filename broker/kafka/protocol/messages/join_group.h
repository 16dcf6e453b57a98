// JoinGroup (key 11): a member joins (or rejoins) a group and, once every member has, learns
// the generation, the leader and (the leader only) every member's subscription
// (apache/kafka clients/src/main/resources/common/message/JoinGroup{Request,Response}.json).
// Versions 0..5: v4 brings the MEMBER_ID_REQUIRED first join, v5 static membership.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct JoinGroupRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 5;
  static constexpr int16_t kFlexibleFrom = 6;

  struct Protocol {
    std::string name;
    std::string metadata;  // ConsumerProtocolSubscription (consumer_protocol.h)
  };

  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v0: the session timeout
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<Protocol> protocols;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.group_id);
    io.int32(m.session_timeout_ms);
    io.int32(m.rebalance_timeout_ms, since(1));
    io.string(m.member_id);
    io.nullableString(m.group_instance_id, since(5));
    io.string(m.protocol_type);
    io.array(m.protocols, all(), [&](auto& p) {
      io.string(p.name);
      io.bytes(p.metadata);
    });
  }
};

struct JoinGroupResponse {
  static constexpr int16_t kFlexibleFrom = JoinGroupRequest::kFlexibleFrom;

  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string metadata;
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<Member> members;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(2));
    io.int16(m.error_code);
    io.int32(m.generation_id);
    io.string(m.protocol_name);
    io.string(m.leader);
    io.string(m.member_id);
    io.array(m.members, all(), [&](auto& member) {
      io.string(member.member_id);
      io.nullableString(member.group_instance_id, since(5));
      io.bytes(member.metadata);
    });
  }
};

}  // namespace mq::kafka
