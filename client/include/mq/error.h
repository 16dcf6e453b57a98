// The mq client library's errors: every failure is an mq::Error carrying the wire's error
// code and whether trying again can succeed (part of mq/client.h).
#pragma once

#include <stdexcept>
#include <string>

#include "mq_types.h"

namespace mq::client {

// The wire's error codes (idl/mq.thrift ErrorCode), e.g. rpc::ErrorCode::UNKNOWN_TOPIC.
using ErrorCode = rpc::ErrorCode::type;

// ---------------------------------------------------------------------------------------
// Errors

// Every failure the client reports. what() is a message that names the problem, e.g.
// "unknown topic `orders`", "partition 9 out of range 0..3 (topic `orders`)",
// "message of 2 MiB exceeds max 1 MiB".
class Error : public std::runtime_error {
 public:
  // retriable defaults to what the code usually means (mq::isRetriable).
  Error(ErrorCode code, const std::string& message);
  Error(ErrorCode code, const std::string& message, bool retriable);

  ErrorCode code() const noexcept { return code_; }
  // True when the same call can succeed if tried again later (possibly elsewhere):
  // timeouts, unreachable brokers, a datanode being down, a full producer buffer.
  bool retriable() const noexcept { return retriable_; }
  // The code's name: "UNKNOWN_TOPIC", "TIMEOUT", ...
  std::string codeName() const;

 private:
  ErrorCode code_;
  bool retriable_;
};

}  // namespace mq::client
