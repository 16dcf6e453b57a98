// Wall-clock and monotonic time helpers used across the project.
#pragma once

#include <chrono>
#include <cstdint>

namespace mq {

// Milliseconds since the Unix epoch (UTC): the unit of every timestamp on the wire and in SQL.
inline int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using SteadyClock = std::chrono::steady_clock;

}  // namespace mq
