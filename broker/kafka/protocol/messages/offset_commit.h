// OffsetCommit (key 8): a group's members (or an admin tool, generation -1) store the next
// offsets to consume (apache/kafka clients/src/main/resources/common/message/
// OffsetCommit{Request,Response}.json). Versions 2..7 (v2-4 carry a retention time that is
// ignored, as Kafka does since v5; v7 adds the instance id; v8 is flexible).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct OffsetCommitRequest {
  static constexpr int16_t kMinVersion = 2;
  static constexpr int16_t kMaxVersion = 7;
  static constexpr int16_t kFlexibleFrom = 8;

  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> committed_metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;
  std::vector<Topic> topics;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.group_id);
    io.int32(m.generation_id);
    io.string(m.member_id);
    io.nullableString(m.group_instance_id, since(7));
    io.int64(m.retention_time_ms, between(2, 4));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition_index);
        io.int64(p.committed_offset);
        io.int32(p.committed_leader_epoch, since(6));
        io.nullableString(p.committed_metadata);
      });
    });
  }
};

struct OffsetCommitResponse {
  static constexpr int16_t kFlexibleFrom = OffsetCommitRequest::kFlexibleFrom;

  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(3));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition_index);
        io.int16(p.error_code);
      });
    });
  }
};

}  // namespace mq::kafka
