// ApiVersions (key 18): which APIs and versions the broker speaks
// (apache/kafka clients/src/main/resources/common/message/ApiVersions{Request,Response}.json).
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct ApiVersionsRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 3;
  static constexpr int16_t kFlexibleFrom = 3;

  std::string client_software_name;
  std::string client_software_version;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.client_software_name, since(3));
    io.string(m.client_software_version, since(3));
  }
};

struct ApiVersionsResponse {
  static constexpr int16_t kFlexibleFrom = ApiVersionsRequest::kFlexibleFrom;

  struct ApiVersion {
    int16_t api_key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;
  };

  int16_t error_code = 0;
  std::vector<ApiVersion> api_keys;
  int32_t throttle_time_ms = 0;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int16(m.error_code);
    io.array(m.api_keys, all(), [&](auto& a) {
      io.int16(a.api_key);
      io.int16(a.min_version);
      io.int16(a.max_version);
    });
    io.int32(m.throttle_time_ms, since(1));
  }
};

}  // namespace mq::kafka
