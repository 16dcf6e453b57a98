// DescribeCluster (key 60): the cluster id, the controller and the brokers, as Metadata gives
// them (apache/kafka clients/src/main/resources/common/message/DescribeCluster{Request,
// Response}.json). Version 0 (flexible); v1's endpoint type (controllers) is not spoken.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct DescribeClusterRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 0;
  static constexpr int16_t kFlexibleFrom = 0;

  bool include_cluster_authorized_operations = false;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.boolean(m.include_cluster_authorized_operations);
  }
};

struct DescribeClusterResponse {
  static constexpr int16_t kFlexibleFrom = DescribeClusterRequest::kFlexibleFrom;

  struct Broker {
    int32_t broker_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<Broker> brokers;
  int32_t cluster_authorized_operations = std::numeric_limits<int32_t>::min();  // not computed

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int32(m.throttle_time_ms);
    io.int16(m.error_code);
    io.nullableString(m.error_message);
    io.string(m.cluster_id);
    io.int32(m.controller_id);
    io.array(m.brokers, all(), [&](auto& b) {
      io.int32(b.broker_id);
      io.string(b.host);
      io.int32(b.port);
      io.nullableString(b.rack);
    });
    io.int32(m.cluster_authorized_operations);
  }
};

}  // namespace mq::kafka
