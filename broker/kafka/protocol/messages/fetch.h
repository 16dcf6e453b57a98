// Fetch (key 1): record batches from offsets, with a long-poll
// (apache/kafka clients/src/main/resources/common/message/Fetch{Request,Response}.json).
// Versions 4..12: RecordBatch v2, topics by name (v13 switched to topic ids). Fetch sessions
// (KIP-227, v7+) are not kept: every answer has session id 0, which tells clients to send
// full requests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct FetchRequest {
  static constexpr int16_t kMinVersion = 4;
  static constexpr int16_t kMaxVersion = 12;
  static constexpr int16_t kFlexibleFrom = 12;

  struct Partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int64_t fetch_offset = 0;
    int32_t last_fetched_epoch = -1;
    int64_t log_start_offset = -1;
    int32_t partition_max_bytes = 0;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
  };
  struct ForgottenTopic {
    std::string topic;
    std::vector<int32_t> partitions;
  };

  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<Topic> topics;
  std::vector<ForgottenTopic> forgotten_topics;
  std::string rack_id;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.replica_id);
    io.int32(m.max_wait_ms);
    io.int32(m.min_bytes);
    io.int32(m.max_bytes, since(3));
    io.int8(m.isolation_level, since(4));
    io.int32(m.session_id, since(7));
    io.int32(m.session_epoch, since(7));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.topic);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition);
        io.int32(p.current_leader_epoch, since(9));
        io.int64(p.fetch_offset);
        io.int32(p.last_fetched_epoch, since(12));
        io.int64(p.log_start_offset, since(5));
        io.int32(p.partition_max_bytes);
      });
    });
    io.array(m.forgotten_topics, since(7), [&](auto& t) {
      io.string(t.topic);
      io.int32s(t.partitions);
    });
    io.string(m.rack_id, since(11));
  }
};

struct FetchResponse {
  static constexpr int16_t kFlexibleFrom = FetchRequest::kFlexibleFrom;

  struct AbortedTransaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
  };
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = -1;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
    std::vector<AbortedTransaction> aborted_transactions;
    bool aborted_null = true;  // no transactions here: always null
    int32_t preferred_read_replica = -1;
    std::optional<std::string> records;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t session_id = 0;
  std::vector<Topic> responses;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(1));
    io.int16(m.error_code, since(7));
    io.int32(m.session_id, since(7));
    io.array(m.responses, all(), [&](auto& t) {
      io.string(t.topic);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition_index);
        io.int16(p.error_code);
        io.int64(p.high_watermark);
        io.int64(p.last_stable_offset, since(4));
        io.int64(p.log_start_offset, since(5));
        io.array(
            p.aborted_transactions, since(4),
            [&](auto& a) {
              io.int64(a.producer_id);
              io.int64(a.first_offset);
            },
            &p.aborted_null);
        io.int32(p.preferred_read_replica, since(11));
        io.nullableBytes(p.records);
      });
    });
  }
};

}  // namespace mq::kafka
