#include "client/error.h"

#include <fmt/format.h>

#include "common/errors.h"

namespace mq::client {

Error::Error(ErrorCode code, const std::string& message)
    : Error(code, message, isRetriable(code)) {}

Error::Error(ErrorCode code, const std::string& message, bool retriable)
    : std::runtime_error(message), code_(code), retriable_(retriable) {}

std::string Error::codeName() const { return errorName(code_); }

Error errorFromWire(const rpc::MqError& error) {
  std::string message = error.message.empty() ? errorName(error.code) : error.message;
  return Error(error.code, message, error.retriable || isRetriable(error.code));
}

Error partitionError(const std::string& topic, int partition, ErrorCode code,
                     const std::string& message, bool retriable) {
  return Error(code, fmt::format("{}-{}: {}: {}", topic, partition, errorName(code), message),
               retriable || isRetriable(code));
}

bool isBrokerFailure(const Error& error) {
  return dynamic_cast<const TransportError*>(&error) != nullptr ||
         error.code() == rpc::ErrorCode::SHUTTING_DOWN;
}

Error invalidConfig(const std::string& message) {
  return Error(rpc::ErrorCode::INVALID_CONFIG, message, false);
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
