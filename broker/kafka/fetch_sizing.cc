#include "broker/kafka/fetch_sizing.h"

#include <algorithm>

namespace mq::kafka {

int FetchSizing::maxMessages(const std::string& topic, int32_t partition, int64_t max_bytes) const {
  const auto found = message_bytes_.find({topic, partition});
  const int64_t size = found == message_bytes_.end() ? kFirstGuessBytes : found->second;
  // A quarter more than fit on average (sizes vary), plus one: the store stops at the byte
  // limit anyway, and at least one message always comes back.
  const int64_t wanted = max_bytes / size + max_bytes / size / 4 + 1;
  return static_cast<int>(std::clamp<int64_t>(wanted, 1, kMaxMessages));
}

void FetchSizing::observe(const std::string& topic, int32_t partition, int64_t messages,
                          int64_t bytes) {
  if (messages <= 0) return;
  message_bytes_[{topic, partition}] = std::max<int64_t>(1, bytes / messages);
}

}  // namespace mq::kafka
