// SaslHandshake (key 17) and SaslAuthenticate (key 36): SASL PLAIN authentication of a
// connection (apache/kafka clients/src/main/resources/common/message/
// Sasl{Handshake,Authenticate}{Request,Response}.json). Handshake v0 is advertised because
// librdkafka enables SASL only when the broker lists it, and then uses v1; a client that used
// v0's raw SASL frames instead of SaslAuthenticate requests would be refused (malformed).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/fields.h"

namespace mq::kafka {

struct SaslHandshakeRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 1;
  static constexpr int16_t kFlexibleFrom = kNeverFlexible;

  std::string mechanism;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.string(m.mechanism);
  }
};

struct SaslHandshakeResponse {
  static constexpr int16_t kFlexibleFrom = kNeverFlexible;

  int16_t error_code = 0;
  std::vector<std::string> mechanisms;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int16(m.error_code);
    io.strings(m.mechanisms);
  }
};

struct SaslAuthenticateRequest {
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 2;
  static constexpr int16_t kFlexibleFrom = 2;

  std::string auth_bytes;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.bytes(m.auth_bytes);
  }
};

struct SaslAuthenticateResponse {
  static constexpr int16_t kFlexibleFrom = SaslAuthenticateRequest::kFlexibleFrom;

  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string auth_bytes;
  int64_t session_lifetime_ms = 0;

  template <class Io, class Self>
  static void fields(Io& io, Self& m) {
    io.int16(m.error_code);
    io.nullableString(m.error_message);
    io.bytes(m.auth_bytes);
    io.int64(m.session_lifetime_ms, since(1));
  }
};

}  // namespace mq::kafka
