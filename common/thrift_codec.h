// Thrift binary serialisation of one struct to and from a byte string, for values stored
// in database columns (group members' subscriptions and assignments).
#pragma once

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <memory>
#include <string>

namespace mq {

template <typename T>
std::string serializeThrift(const T& value) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  value.write(&protocol);
  return buffer->getBufferAsString();
}

// Throws apache::thrift::TException on malformed input.
template <typename T>
T deserializeThrift(const std::string& bytes) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<uint32_t>(bytes.size()));
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  T value;
  value.read(&protocol);
  return value;
}

}  // namespace mq
