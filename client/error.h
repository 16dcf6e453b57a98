// How failures become mq::Error inside the client: the server's MqError, transport
// failures (which also tell the caller to move to another broker), and sizes in messages.
#pragma once

#include <exception>
#include <string>

#include "mq/client.h"
#include "mq_types.h"

namespace mq::client {

// A failure to talk to a server at all: connect refused or timed out, connection broken,
// reply timed out, or a garbled reply. Always retriable. `request_sent` is false when the
// request surely never reached the server (connecting failed), so even a non-idempotent
// call may be tried again.
class TransportError : public Error {
 public:
  TransportError(ErrorCode code, const std::string& message, bool request_sent)
      : Error(code, message, true), request_sent_(request_sent) {}
  bool requestSent() const { return request_sent_; }

 private:
  bool request_sent_;
};

// The wire's code as the client's, and back (the same numbers: error.cc checks each).
ErrorCode clientCode(rpc::ErrorCode::type code);
rpc::ErrorCode::type wireCode(ErrorCode code);

// The server's whole-request refusal as an Error (keeps the server's retriable flag).
Error errorFromWire(const rpc::MqError& error);

// A per-partition result's error as an Error naming the partition:
// "orders-3: DATANODE_UNAVAILABLE: <server message>". Retriable if the server says so or
// the code usually is.
Error partitionError(const std::string& topic, int partition, rpc::ErrorCode::type code,
                     const std::string& message, bool retriable);

// True for errors that mean "this broker should not be used for a while": transport
// failures and SHUTTING_DOWN.
bool isBrokerFailure(const Error& error);

// A configuration the client refuses: INVALID_CONFIG, not retriable; `message` names the
// setting and what is wrong with it.
Error invalidConfig(const std::string& message);

// "2 MiB", "1.5 MiB", "300 KiB", "17 bytes": sizes in error messages.
std::string formatBytes(int64_t bytes);

}  // namespace mq::client
