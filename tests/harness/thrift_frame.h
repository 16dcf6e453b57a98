// Thrift calls as the bytes on the wire, for tests that talk to a server's port with a raw
// socket: hostile variants of valid calls, calls sent in pieces.
#pragma once

#include <arpa/inet.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace mq::test {

// One Thrift call as the framed bytes a client would send: a 4-byte big-endian length and
// the binary-protocol message.
template <typename Client>
std::string frameOf(const std::function<void(Client&)>& send) {
  auto memory = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  auto framed = std::make_shared<apache::thrift::transport::TFramedTransport>(memory);
  Client client(std::make_shared<apache::thrift::protocol::TBinaryProtocol>(framed));
  send(client);
  return memory->getBufferAsString();
}

// A frame's 4-byte big-endian length prefix.
inline std::string lengthPrefix(size_t length) {
  const uint32_t n = htonl(static_cast<uint32_t>(length));
  return std::string(reinterpret_cast<const char*>(&n), 4);
}

}  // namespace mq::test
