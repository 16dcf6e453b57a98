// ListOffsets (key 2): earliest, latest or by-timestamp offsets of partitions
// (apache/kafka clients/src/main/resources/common/message/ListOffsets{Request,Response}.json).
// Versions 1..6 (v0's list of old-style offsets is not spoken).
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;

struct ListOffsetsRequest {
  static constexpr int16_t kMinVersion = 1;
  static constexpr int16_t kMaxVersion = 6;
  static constexpr int16_t kFlexibleFrom = 6;

  struct Partition {
    int32_t partition_index = 0;
    int32_t current_leader_epoch = -1;
    int64_t timestamp = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  int32_t replica_id = -1;
  int8_t isolation_level = 0;
  std::vector<Topic> topics;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.replica_id);
    io.int8(m.isolation_level, since(2));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition_index);
        io.int32(p.current_leader_epoch, since(4));
        io.int64(p.timestamp);
      });
    });
  }
};

struct ListOffsetsResponse {
  static constexpr int16_t kFlexibleFrom = ListOffsetsRequest::kFlexibleFrom;

  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(2));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition_index);
        io.int16(p.error_code);
        io.int64(p.timestamp);
        io.int64(p.offset);
        io.int32(p.leader_epoch, since(4));
      });
    });
  }
};

}  // namespace mq::kafka
