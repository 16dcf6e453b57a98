// DescribeGroups (key 15): state, protocol and members of groups
// (apache/kafka clients/src/main/resources/common/message/DescribeGroups{Request,Response}.json).
// Versions 0..4 (v3: authorized operations, v4: instance ids; v5 is flexible).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct DescribeGroupsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 4;
  static constexpr int16_t kFlexibleFrom = 5;

  std::vector<std::string> groups;
  bool include_authorized_operations = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.strings(m.groups);
    io.boolean(m.include_authorized_operations, since(3));
  }
};

struct DescribeGroupsResponse {
  static constexpr int16_t kFlexibleFrom = DescribeGroupsRequest::kFlexibleFrom;

  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    std::string member_metadata;    // ConsumerProtocolSubscription
    std::string member_assignment;  // ConsumerProtocolAssignment
  };
  struct Group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;  // the chosen assignor
    std::vector<Member> members;
    int32_t authorized_operations = std::numeric_limits<int32_t>::min();  // not computed
  };

  int32_t throttle_time_ms = 0;
  std::vector<Group> groups;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.array(m.groups, all(), [&](auto& g) {
      io.int16(g.error_code);
      io.string(g.group_id);
      io.string(g.group_state);
      io.string(g.protocol_type);
      io.string(g.protocol_data);
      io.array(g.members, all(), [&](auto& member) {
        io.string(member.member_id);
        io.nullableString(member.group_instance_id, since(4));
        io.string(member.client_id);
        io.string(member.client_host);
        io.bytes(member.member_metadata);
        io.bytes(member.member_assignment);
      });
      io.int32(g.authorized_operations, since(3));
    });
  }
};

}  // namespace mq::kafka
