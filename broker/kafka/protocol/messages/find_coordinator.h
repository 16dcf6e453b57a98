// FindCoordinator (key 10): which broker coordinates a group. Every mq broker coordinates
// every group (the group state is in the metadata database), so the answer is this broker
// (apache/kafka clients/src/main/resources/common/message/FindCoordinator{Request,Response}.json).
// Versions 0..2 (v3 is flexible, v4 batches keys; librdkafka 2.0 speaks up to v2).
#pragma once

#include <optional>
#include <string>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

inline constexpr int8_t kCoordinatorGroup = 0;
inline constexpr int8_t kCoordinatorTransaction = 1;

struct FindCoordinatorRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 2;
  static constexpr int16_t kFlexibleFrom = 3;

  std::string key;
  int8_t key_type = kCoordinatorGroup;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.key);
    io.int8(m.key_type, since(1));
  }
};

struct FindCoordinatorResponse {
  static constexpr int16_t kFlexibleFrom = FindCoordinatorRequest::kFlexibleFrom;

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.int16(m.error_code);
    io.nullableString(m.error_message, since(1));
    io.int32(m.node_id);
    io.string(m.host);
    io.int32(m.port);
  }
};

}  // namespace mq::kafka
