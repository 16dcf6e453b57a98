#include "perf/send_stamp.h"

#include <cstdlib>

using mq::client::ConsumedMessage;

namespace mq::perf {

StampedBatch readStampedBatch(const std::vector<ConsumedMessage>& messages, int64_t now_us,
                              OffsetTracker& tracker) {
  StampedBatch batch;
  batch.latencies_us.reserve(messages.size());
  for (const auto& message : messages) {
    batch.bytes += static_cast<int64_t>(message.value.size());
    tracker.observe(message.partition, message.offset);
    auto stamp = message.headers.find(kSentHeader);
    if (stamp == message.headers.end()) {
      ++batch.unstamped;
      continue;
    }
    batch.latencies_us.push_back(now_us - std::strtoll(stamp->second.c_str(), nullptr, 10));
  }
  return batch;
}

}  // namespace mq::perf
