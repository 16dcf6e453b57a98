// What the in-process handler fuzzers (broker_handler_fuzzer, meta_handler_fuzzer) share: the
// server side's protocol over an input, the method an input's message names, seeds, and
// giving an input to a processor.
#pragma once

#include <thrift/TProcessor.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "server/rpc_limits.h"

namespace mq::fuzz {

// The protocol the servers read requests with (strict binary, the servers' size limits).
inline std::shared_ptr<apache::thrift::protocol::TBinaryProtocol> serverProtocol(
    std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer) {
  return std::make_shared<apache::thrift::protocol::TBinaryProtocol>(
      std::move(buffer), kRpcMaxStringBytes, kRpcMaxContainerSize, /*strict_read=*/true,
      /*strict_write=*/true);
}

// The method a strict binary message names (version word, name length, name), or "".
inline std::string methodName(const uint8_t* data, size_t size) {
  if (size < 8) return "";
  const uint32_t length = (uint32_t{data[4]} << 24) | (uint32_t{data[5]} << 16) |
                          (uint32_t{data[6]} << 8) | uint32_t{data[7]};
  if (length > size - 8) return "";
  return std::string(reinterpret_cast<const char*>(data + 8), length);
}

// Writes `prefix` and then the bytes `call` sends through a `Client` (a generated Thrift
// client) to DIR/seed-NAME: one valid call of a kind, for the fuzzer to start from.
template <typename Client>
void writeSeed(const std::string& dir, const std::string& name,
               const std::function<void(Client&)>& call, const std::string& prefix = "") {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  Client client(std::make_shared<apache::thrift::protocol::TBinaryProtocol>(buffer));
  call(client);
  std::ofstream(dir + "/seed-" + name, std::ios::binary) << prefix << buffer->getBufferAsString();
}

// Gives one input, one call, to `processor` (a generated processor with the real handler
// behind it). A refusal while decoding (the server then closes the connection) is fine;
// anything else escapes and fails the run.
inline void process(apache::thrift::TProcessor& processor, const uint8_t* data, size_t size) {
  using apache::thrift::transport::TMemoryBuffer;
  auto in = std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), static_cast<uint32_t>(size),
                                            TMemoryBuffer::OBSERVE);
  auto out = std::make_shared<TMemoryBuffer>();
  try {
    processor.process(serverProtocol(in), serverProtocol(out), nullptr);
  } catch (const apache::thrift::TException&) {
  }
}

}  // namespace mq::fuzz
