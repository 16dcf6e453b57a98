// The mq client library's errors: every failure is an mq::client::Error carrying the wire's
// error code and whether trying again can succeed (part of mq/client.h).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mq::client {

// The wire's error codes (idl/mq.thrift ErrorCode), under the same names and numbers; a code
// this client does not know keeps its number.
enum class ErrorCode : int32_t {
  NONE = 0,
  UNKNOWN = 1,          // unexpected server error; retriable
  INVALID_REQUEST = 2,  // malformed or out-of-range field; not retriable
  UNKNOWN_TOPIC = 3,
  UNKNOWN_PARTITION = 4,
  MESSAGE_TOO_LARGE = 5,
  BATCH_TOO_LARGE = 6,
  OFFSET_OUT_OF_RANGE = 7,
  PARTITION_READ_ONLY = 8,
  DATANODE_UNAVAILABLE = 9,  // the partition's database is unreachable; retriable
  INVALID_TOPIC_NAME = 10,
  TOPIC_ALREADY_EXISTS = 11,
  NOT_AUTHORIZED = 12,
  TIMEOUT = 13,               // retriable
  METADATA_UNAVAILABLE = 14,  // metadata database unreachable and nothing cached; retriable
  INVALID_CONFIG = 15,
  DATANODE_ALREADY_EXISTS = 16,
  UNKNOWN_DATANODE = 17,
  SHUTTING_DOWN = 18,  // broker is draining; retriable elsewhere
  // Consumer groups (Kafka classic protocol semantics).
  UNKNOWN_MEMBER_ID = 20,
  ILLEGAL_GENERATION = 21,
  REBALANCE_IN_PROGRESS = 22,
  MEMBER_ID_REQUIRED = 23,
  FENCED_INSTANCE_ID = 24,
  COORDINATOR_NOT_AVAILABLE = 25,
  INCONSISTENT_GROUP_PROTOCOL = 26,
  GROUP_NOT_EMPTY = 27,
  UNKNOWN_GROUP = 28,
  // Idempotent producer.
  OUT_OF_ORDER_SEQUENCE = 30,
  PRODUCER_FENCED = 31,
  UNKNOWN_PRODUCER_ID = 32,
  // Security (docs/security.md).
  AUTHENTICATION_FAILED = 40,  // no token, or an unknown or revoked one; not retriable
  THROTTLED = 41,              // over a rate quota; retriable after MqError.retry_after_ms
};

// The code's name: "UNKNOWN_TOPIC"; "ERROR_99" for a number this client does not know.
std::string errorCodeName(ErrorCode code);

// ---------------------------------------------------------------------------------------
// Errors

// Every failure the client reports. what() is a message that names the problem, e.g.
// "unknown topic `orders`", "partition 9 out of range 0..3 (topic `orders`)",
// "message of 2 MiB exceeds max 1 MiB".
class Error : public std::runtime_error {
 public:
  // retriable defaults to what the code usually means: UNKNOWN, DATANODE_UNAVAILABLE,
  // TIMEOUT, METADATA_UNAVAILABLE, SHUTTING_DOWN, the group coordination codes and
  // THROTTLED are.
  Error(ErrorCode code, const std::string& message);
  Error(ErrorCode code, const std::string& message, bool retriable);
  // A copy shares nothing with the original. std::runtime_error's copies share one
  // reference-counted message, counted inside the C++ library where ThreadSanitizer does not
  // see it, and the client hands errors from its threads to the application's (a send()'s
  // outcome, a group member's fatal error): the thread that drops the last copy would free a
  // message another thread read, with nothing the sanitizer can see ordering the two.
  Error(const Error& other);
  Error& operator=(const Error& other);

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
