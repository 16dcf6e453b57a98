#include "client/error.h"

#include <fmt/format.h>

#include "common/errors.h"

namespace mq::client {

namespace {

constexpr bool sameNumber(ErrorCode client, rpc::ErrorCode::type wire) {
  return static_cast<int32_t>(client) == static_cast<int32_t>(wire);
}

}  // namespace

// mq/error.h's codes are the wire's, name by name and number by number.
static_assert(sameNumber(ErrorCode::NONE, rpc::ErrorCode::NONE));
static_assert(sameNumber(ErrorCode::UNKNOWN, rpc::ErrorCode::UNKNOWN));
static_assert(sameNumber(ErrorCode::INVALID_REQUEST, rpc::ErrorCode::INVALID_REQUEST));
static_assert(sameNumber(ErrorCode::UNKNOWN_TOPIC, rpc::ErrorCode::UNKNOWN_TOPIC));
static_assert(sameNumber(ErrorCode::UNKNOWN_PARTITION, rpc::ErrorCode::UNKNOWN_PARTITION));
static_assert(sameNumber(ErrorCode::MESSAGE_TOO_LARGE, rpc::ErrorCode::MESSAGE_TOO_LARGE));
static_assert(sameNumber(ErrorCode::BATCH_TOO_LARGE, rpc::ErrorCode::BATCH_TOO_LARGE));
static_assert(sameNumber(ErrorCode::OFFSET_OUT_OF_RANGE, rpc::ErrorCode::OFFSET_OUT_OF_RANGE));
static_assert(sameNumber(ErrorCode::PARTITION_READ_ONLY, rpc::ErrorCode::PARTITION_READ_ONLY));
static_assert(sameNumber(ErrorCode::DATANODE_UNAVAILABLE, rpc::ErrorCode::DATANODE_UNAVAILABLE));
static_assert(sameNumber(ErrorCode::INVALID_TOPIC_NAME, rpc::ErrorCode::INVALID_TOPIC_NAME));
static_assert(sameNumber(ErrorCode::TOPIC_ALREADY_EXISTS, rpc::ErrorCode::TOPIC_ALREADY_EXISTS));
static_assert(sameNumber(ErrorCode::NOT_AUTHORIZED, rpc::ErrorCode::NOT_AUTHORIZED));
static_assert(sameNumber(ErrorCode::TIMEOUT, rpc::ErrorCode::TIMEOUT));
static_assert(sameNumber(ErrorCode::METADATA_UNAVAILABLE, rpc::ErrorCode::METADATA_UNAVAILABLE));
static_assert(sameNumber(ErrorCode::INVALID_CONFIG, rpc::ErrorCode::INVALID_CONFIG));
static_assert(sameNumber(ErrorCode::DATANODE_ALREADY_EXISTS,
                         rpc::ErrorCode::DATANODE_ALREADY_EXISTS));
static_assert(sameNumber(ErrorCode::UNKNOWN_DATANODE, rpc::ErrorCode::UNKNOWN_DATANODE));
static_assert(sameNumber(ErrorCode::SHUTTING_DOWN, rpc::ErrorCode::SHUTTING_DOWN));
static_assert(sameNumber(ErrorCode::UNKNOWN_MEMBER_ID, rpc::ErrorCode::UNKNOWN_MEMBER_ID));
static_assert(sameNumber(ErrorCode::ILLEGAL_GENERATION, rpc::ErrorCode::ILLEGAL_GENERATION));
static_assert(sameNumber(ErrorCode::REBALANCE_IN_PROGRESS, rpc::ErrorCode::REBALANCE_IN_PROGRESS));
static_assert(sameNumber(ErrorCode::MEMBER_ID_REQUIRED, rpc::ErrorCode::MEMBER_ID_REQUIRED));
static_assert(sameNumber(ErrorCode::FENCED_INSTANCE_ID, rpc::ErrorCode::FENCED_INSTANCE_ID));
static_assert(sameNumber(ErrorCode::COORDINATOR_NOT_AVAILABLE,
                         rpc::ErrorCode::COORDINATOR_NOT_AVAILABLE));
static_assert(sameNumber(ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                         rpc::ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
static_assert(sameNumber(ErrorCode::GROUP_NOT_EMPTY, rpc::ErrorCode::GROUP_NOT_EMPTY));
static_assert(sameNumber(ErrorCode::UNKNOWN_GROUP, rpc::ErrorCode::UNKNOWN_GROUP));
static_assert(sameNumber(ErrorCode::OUT_OF_ORDER_SEQUENCE, rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE));
static_assert(sameNumber(ErrorCode::PRODUCER_FENCED, rpc::ErrorCode::PRODUCER_FENCED));
static_assert(sameNumber(ErrorCode::UNKNOWN_PRODUCER_ID, rpc::ErrorCode::UNKNOWN_PRODUCER_ID));
static_assert(sameNumber(ErrorCode::AUTHENTICATION_FAILED, rpc::ErrorCode::AUTHENTICATION_FAILED));
static_assert(sameNumber(ErrorCode::THROTTLED, rpc::ErrorCode::THROTTLED));

ErrorCode clientCode(rpc::ErrorCode::type code) { return static_cast<ErrorCode>(code); }

rpc::ErrorCode::type wireCode(ErrorCode code) { return static_cast<rpc::ErrorCode::type>(code); }

std::string errorCodeName(ErrorCode code) { return errorName(wireCode(code)); }

Error::Error(ErrorCode code, const std::string& message)
    : Error(code, message, mq::isRetriable(wireCode(code))) {}

Error::Error(ErrorCode code, const std::string& message, bool retriable)
    : std::runtime_error(message), code_(code), retriable_(retriable) {}

Error::Error(const Error& other)
    : Error(other.code_, std::string(other.what()), other.retriable_) {}

Error& Error::operator=(const Error& other) {
  if (this != &other) {
    std::runtime_error::operator=(std::runtime_error(std::string(other.what())));
    code_ = other.code_;
    retriable_ = other.retriable_;
  }
  return *this;
}

std::string Error::codeName() const { return errorCodeName(code_); }

Error errorFromWire(const rpc::MqError& error) {
  std::string message = error.message.empty() ? errorName(error.code) : error.message;
  return Error(clientCode(error.code), message, error.retriable || mq::isRetriable(error.code));
}

Error partitionError(const std::string& topic, int partition, rpc::ErrorCode::type code,
                     const std::string& message, bool retriable) {
  return Error(clientCode(code),
               fmt::format("{}-{}: {}: {}", topic, partition, errorName(code), message),
               retriable || mq::isRetriable(code));
}

bool isBrokerFailure(const Error& error) {
  return dynamic_cast<const TransportError*>(&error) != nullptr ||
         error.code() == ErrorCode::SHUTTING_DOWN;
}

Error invalidConfig(const std::string& message) {
  return Error(ErrorCode::INVALID_CONFIG, message, false);
}

std::string formatBytes(int64_t bytes) {
  auto scaled = [](int64_t value, int64_t unit, const char* name) {
    if (value % unit == 0) return fmt::format("{} {}", value / unit, name);
    return fmt::format("{:.1f} {}", static_cast<double>(value) / static_cast<double>(unit), name);
  };
  if (bytes >= (1LL << 30)) return scaled(bytes, 1LL << 30, "GiB");
  if (bytes >= (1LL << 20)) return scaled(bytes, 1LL << 20, "MiB");
  if (bytes >= (1LL << 10)) return scaled(bytes, 1LL << 10, "KiB");
  return fmt::format("{} bytes", bytes);
}

}  // namespace mq::client
