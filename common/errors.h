// Error values shared by servers and clients: the wire's ErrorCode plus helpers to raise
// them as MqError with a message that names what was wrong.
#pragma once

#include <string>

#include "mq_types.h"

namespace mq {

using ErrorCode = rpc::ErrorCode::type;

// True when trying again (later, or through another broker) can succeed.
bool isRetriable(ErrorCode code);

// "UNKNOWN_TOPIC" etc.; "ERROR_<n>" for a code this build does not know.
std::string errorName(ErrorCode code);

rpc::MqError makeError(ErrorCode code, std::string message);

[[noreturn]] void throwError(ErrorCode code, std::string message);
// INVALID_REQUEST with a message naming what was wrong.
[[noreturn]] void throwInvalid(std::string message);

}  // namespace mq
