// ListGroups (key 16): the groups this cluster knows, optionally filtered by state (v4)
// (apache/kafka clients/src/main/resources/common/message/ListGroups{Request,Response}.json).
// Versions 0..4 (v3 is the first flexible one).
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct ListGroupsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 4;
  static constexpr int16_t kFlexibleFrom = 3;

  std::vector<std::string> states_filter;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.strings(m.states_filter, since(4));
  }
};

struct ListGroupsResponse {
  static constexpr int16_t kFlexibleFrom = ListGroupsRequest::kFlexibleFrom;

  struct Group {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<Group> groups;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.int16(m.error_code);
    io.array(m.groups, all(), [&](auto& g) {
      io.string(g.group_id);
      io.string(g.protocol_type);
      io.string(g.group_state, since(4));
    });
  }
};

}  // namespace mq::kafka
