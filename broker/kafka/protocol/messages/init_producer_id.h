// InitProducerId (key 22): an idempotent producer's id and epoch
// (apache/kafka clients/src/main/resources/common/message/InitProducerId{Request,Response}.json).
#pragma once

#include <optional>
#include <string>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct InitProducerIdRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 4;
  static constexpr int16_t kFlexibleFrom = 2;

  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.nullableString(m.transactional_id);
    io.int32(m.transaction_timeout_ms);
    io.int64(m.producer_id, since(3));
    io.int16(m.producer_epoch, since(3));
  }
};

struct InitProducerIdResponse {
  static constexpr int16_t kFlexibleFrom = InitProducerIdRequest::kFlexibleFrom;

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms);
    io.int16(m.error_code);
    io.int64(m.producer_id);
    io.int16(m.producer_epoch);
  }
};

}  // namespace mq::kafka
