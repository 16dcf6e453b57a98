#include "common/errors.h"

namespace mq {

bool isRetriable(ErrorCode code) {
  switch (code) {
    case rpc::ErrorCode::UNKNOWN:
    case rpc::ErrorCode::DATANODE_UNAVAILABLE:
    case rpc::ErrorCode::TIMEOUT:
    case rpc::ErrorCode::METADATA_UNAVAILABLE:
    case rpc::ErrorCode::SHUTTING_DOWN:
    case rpc::ErrorCode::REBALANCE_IN_PROGRESS:
    case rpc::ErrorCode::COORDINATOR_NOT_AVAILABLE:
    case rpc::ErrorCode::THROTTLED:
      return true;
    default:
      return false;
  }
}

std::string errorName(ErrorCode code) {
  auto it = rpc::_ErrorCode_VALUES_TO_NAMES.find(code);
  if (it == rpc::_ErrorCode_VALUES_TO_NAMES.end()) return "ERROR_" + std::to_string(code);
  return it->second;
}

rpc::MqError makeError(ErrorCode code, std::string message) {
  rpc::MqError error;
  error.code = code;
  error.message = std::move(message);
  error.retriable = isRetriable(code);
  return error;
}

void throwError(ErrorCode code, std::string message) { throw makeError(code, std::move(message)); }

void throwInvalid(std::string message) {
  throwError(rpc::ErrorCode::INVALID_REQUEST, std::move(message));
}

}  // namespace mq
