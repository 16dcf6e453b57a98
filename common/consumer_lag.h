// Consumer lag, one rule for every place that shows it: the metaserver's lag collector (and
// through it the portal, the lag API, metrics and alerts) and `mqctl group describe`.
#pragma once

#include <algorithm>
#include <cstdint>

namespace mq {

// The first offset a group has not consumed on a partition: its committed offset, or the log
// start when it never committed (`committed` < 0) or its commit fell below what retention
// keeps (what its next member would read first).
inline int64_t firstUnconsumed(int64_t committed, int64_t log_start) {
  return committed < 0 ? log_start : std::max(committed, log_start);
}

// The messages stored from firstUnconsumed to the log end: never negative.
inline int64_t consumerLag(int64_t committed, int64_t log_start, int64_t log_end) {
  return std::max<int64_t>(0, log_end - firstUnconsumed(committed, log_start));
}

}  // namespace mq
