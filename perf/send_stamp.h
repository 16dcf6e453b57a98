// The end-to-end latency stamp of mq-perf's e2e and workload modes: every message carries
// its send time (wall clock, decimal microseconds since the epoch) in a header, and the
// consumer subtracts it from its receive time (one host, one clock).
#pragma once

#include <cstdint>
#include <vector>

#include "mq/client.h"
#include "perf/offset_tracker.h"

namespace mq::perf {

// The header that carries a message's send time.
inline constexpr const char* kSentHeader = "mq-perf-sent-us";

// One poll()'s batch, read for an end-to-end measurement.
struct StampedBatch {
  int64_t bytes = 0;                  // value bytes of the batch
  int64_t unstamped = 0;              // messages without the send stamp
  std::vector<int64_t> latencies_us;  // receive time - send stamp, per stamped message
};

// Reads `messages` received at `now_us` (wall clock, microseconds): observes each one's
// offset in `tracker` and computes its latency from its send stamp.
StampedBatch readStampedBatch(const std::vector<client::ConsumedMessage>& messages, int64_t now_us,
                              OffsetTracker& tracker);

}  // namespace mq::perf
