// The size of a message as the broker's limits and quotas count it: key, value, and the
// names and values of its headers (not their encoding). A template over the message type so
// that this header needs no generated wire types (rpc::Message is the one in use).
#pragma once

#include <cstdint>

namespace mq {

template <typename Message>
int64_t messageBytes(const Message& message) {
  int64_t bytes = static_cast<int64_t>(message.key.size() + message.value.size());
  for (const auto& [name, value] : message.headers) bytes += name.size() + value.size();
  return bytes;
}

}  // namespace mq
