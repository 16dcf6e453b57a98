// What a Thrift request may claim before it is refused while being decoded. Shared by the
// servers (server/rpc_server.cc, server/event_rpc_server.cc) and the request fuzzer
// (tests/fuzz), so the fuzzer exercises exactly the limits the servers run with.
#pragma once

#include <cstdint>

namespace mq {

// The largest request frame a server reads (Thrift's default maximum frame size); a
// connection that announces a longer one is closed.
constexpr int32_t kRpcMaxFrameBytes = 16384000;
// A frame is at most 16 MB, so no string can be longer.
constexpr int32_t kRpcMaxStringBytes = 16 * 1024 * 1024;
// No valid request has a list or map with more elements (a partition batch holds at most
// max-batch-messages, 10,000 by default).
constexpr int32_t kRpcMaxContainerSize = 100000;

}  // namespace mq
