// What a Thrift request may claim before it is refused while being decoded. Shared by the
// servers (server/rpc_server.cc) and the request fuzzer (tests/fuzz), so the fuzzer
// exercises exactly the limits the servers run with.
#pragma once

#include <cstdint>

namespace mq {

// A frame is at most 16 MB (Thrift's default maximum frame size), so no string can be longer.
constexpr int32_t kRpcMaxStringBytes = 16 * 1024 * 1024;
// No valid request has a list or map with more elements (a partition batch holds at most
// max-batch-messages, 10,000 by default).
constexpr int32_t kRpcMaxContainerSize = 100000;

}  // namespace mq
