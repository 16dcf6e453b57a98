// Produce (key 0): record batches for partitions
// (apache/kafka clients/src/main/resources/common/message/Produce{Request,Response}.json).
// Versions 3+ only: they carry RecordBatch v2 (magic 2), which is all this broker stores.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct ProduceRequest {
  static constexpr int16_t kMinVersion = 3;
  static constexpr int16_t kMaxVersion = 9;
  static constexpr int16_t kFlexibleFrom = 9;

  struct Partition {
    int32_t index = 0;
    std::optional<std::string> records;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  std::optional<std::string> transactional_id;
  int16_t acks = -1;
  int32_t timeout_ms = 0;
  std::vector<Topic> topics;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.nullableString(m.transactional_id, since(3));
    io.int16(m.acks);
    io.int32(m.timeout_ms);
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.index);
        io.nullableBytes(p.records);
      });
    });
  }
};

struct ProduceResponse {
  static constexpr int16_t kFlexibleFrom = ProduceRequest::kFlexibleFrom;

  struct RecordError {
    int32_t batch_index = 0;
    std::optional<std::string> message;
  };
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = -1;
    int64_t log_append_time_ms = -1;
    int64_t log_start_offset = -1;
    std::vector<RecordError> record_errors;
    std::optional<std::string> error_message;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  std::vector<Topic> responses;
  int32_t throttle_time_ms = 0;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.array(m.responses, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.index);
        io.int16(p.error_code);
        io.int64(p.base_offset);
        io.int64(p.log_append_time_ms, since(2));
        io.int64(p.log_start_offset, since(5));
        io.array(p.record_errors, since(8), [&](auto& e) {
          io.int32(e.batch_index);
          io.nullableString(e.message);
        });
        io.nullableString(p.error_message, since(8));
      });
    });
    io.int32(m.throttle_time_ms, since(1));
  }
};

}  // namespace mq::kafka
