// Metadata (key 3): brokers, topics, partitions and their leaders
// (apache/kafka clients/src/main/resources/common/message/Metadata{Request,Response}.json).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct MetadataRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 12;
  static constexpr int16_t kFlexibleFrom = 9;

  struct Topic {
    std::string topic_id;             // v10+: zero when asked by name
    std::optional<std::string> name;  // null only from v10 (asked by id)
  };

  std::vector<Topic> topics;
  bool all_topics = false;  // v1+: a null topic array; v0: an empty one
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.array(
        m.topics, all(),
        [&](auto& t) {
          io.uuid(t.topic_id, since(10));
          io.nullableString(t.name);
        },
        &m.all_topics);
    io.boolean(m.allow_auto_topic_creation, since(4));
    io.boolean(m.include_cluster_authorized_operations, between(8, 10));
    io.boolean(m.include_topic_authorized_operations, since(8));
  }
};

struct MetadataResponse {
  static constexpr int16_t kFlexibleFrom = MetadataRequest::kFlexibleFrom;

  struct Broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
  };
  struct Partition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = -1;
    int32_t leader_epoch = -1;
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;
  };
  struct Topic {
    int16_t error_code = 0;
    std::optional<std::string> name;
    std::string topic_id;
    bool is_internal = false;
    std::vector<Partition> partitions;
    int32_t topic_authorized_operations = INT32_MIN;
  };

  int32_t throttle_time_ms = 0;
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<Topic> topics;
  int32_t cluster_authorized_operations = INT32_MIN;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms, since(3));
    io.array(m.brokers, all(), [&](auto& b) {
      io.int32(b.node_id);
      io.string(b.host);
      io.int32(b.port);
      io.nullableString(b.rack, since(1));
    });
    io.nullableString(m.cluster_id, since(2));
    io.int32(m.controller_id, since(1));
    io.array(m.topics, all(), [&](auto& t) {
      io.int16(t.error_code);
      io.nullableString(t.name);
      io.uuid(t.topic_id, since(10));
      io.boolean(t.is_internal, since(1));
      io.array(t.partitions, all(), [&](auto& p) {
        io.int16(p.error_code);
        io.int32(p.partition_index);
        io.int32(p.leader_id);
        io.int32(p.leader_epoch, since(7));
        io.int32s(p.replica_nodes);
        io.int32s(p.isr_nodes);
        io.int32s(p.offline_replicas, since(5));
      });
      io.int32(t.topic_authorized_operations, since(8));
    });
    io.int32(m.cluster_authorized_operations, between(8, 10));
  }
};

}  // namespace mq::kafka
