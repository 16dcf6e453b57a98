// OffsetFetch (key 9): a group's committed offsets, for some partitions or (null topics,
// v2+) all of them (apache/kafka clients/src/main/resources/common/message/
// OffsetFetch{Request,Response}.json). Versions 1..7 (v6 is the first flexible one; v7 adds
// require_stable, always satisfied here: a commit is visible once it returned; v8 batches
// groups and is not spoken).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct OffsetFetchRequest {
  static constexpr int16_t kMinVersion = 1;
  static constexpr int16_t kMaxVersion = 7;
  static constexpr int16_t kFlexibleFrom = 6;

  struct Topic {
    std::string name;
    std::vector<int32_t> partition_indexes;
  };

  std::string group_id;
  std::vector<Topic> topics;
  bool all_topics = false;  // a null topics array (v2+)
  bool require_stable = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.group_id);
    io.array(
        m.topics, all(),
        [&](auto& t) {
          io.string(t.name);
          io.int32s(t.partition_indexes);
        },
        &m.all_topics);
    io.boolean(m.require_stable, since(7));
  }
};

struct OffsetFetchResponse {
  static constexpr int16_t kFlexibleFrom = OffsetFetchRequest::kFlexibleFrom;

  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = -1;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  int16_t error_code = 0;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(3));
    io.array(m.topics, all(), [&](auto& t) {
      io.string(t.name);
      io.array(t.partitions, all(), [&](auto& p) {
        io.int32(p.partition_index);
        io.int64(p.committed_offset);
        io.int32(p.committed_leader_epoch, since(5));
        io.nullableString(p.metadata);
        io.int16(p.error_code);
      });
    });
    io.int16(m.error_code, since(2));
  }
};

}  // namespace mq::kafka
