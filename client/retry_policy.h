// When and how long to wait before trying a failed call again: exponential backoff with
// full jitter, bounded by a retry count. Pure logic; the random source is injected so
// tests can pin it.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace mq::client {

class RetryPolicy {
 public:
  // retries: how many times a call may be tried again after its first attempt (>= 0).
  // base_ms, max_ms: backoff before retry n is uniform in [0, min(max_ms, base_ms * 2^n)].
  RetryPolicy(int retries, int64_t base_ms, int64_t max_ms);

  int retries() const { return retries_; }

  // True when a call that has failed `failures` times (>= 1) may be tried again.
  bool mayRetry(int failures) const { return failures <= retries_; }

  // The upper bound of the backoff before retry number `retry` (0 for the first retry):
  // min(max_ms, base_ms * 2^retry), never overflowing.
  int64_t ceilingMs(int retry) const;

  // A backoff for retry number `retry`, uniform in [0, ceilingMs(retry)].
  int64_t backoffMs(int retry, std::mt19937_64& random) const;
  // Same, from a thread-local generator seeded from std::random_device.
  int64_t backoffMs(int retry) const;
  std::chrono::milliseconds backoff(int retry) const {
    return std::chrono::milliseconds(backoffMs(retry));
  }

 private:
  int retries_;
  int64_t base_ms_;
  int64_t max_ms_;
};

}  // namespace mq::client
