// DeleteGroups (key 42): deletes empty groups and their committed offsets
// (apache/kafka clients/src/main/resources/common/message/DeleteGroups{Request,Response}.json).
// Versions 0..1 (v2 is flexible).
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct DeleteGroupsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 1;
  static constexpr int16_t kFlexibleFrom = 2;

  std::vector<std::string> groups_names;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.strings(m.groups_names);
  }
};

struct DeleteGroupsResponse {
  static constexpr int16_t kFlexibleFrom = DeleteGroupsRequest::kFlexibleFrom;

  struct Result {
    std::string group_id;
    int16_t error_code = 0;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Result> results;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms);
    io.array(m.results, all(), [&](auto& r) {
      io.string(r.group_id);
      io.int16(r.error_code);
    });
  }
};

}  // namespace mq::kafka
