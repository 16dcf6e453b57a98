#include "client/retry_policy.h"

#include <algorithm>

namespace mq::client {

RetryPolicy::RetryPolicy(int retries, int64_t base_ms, int64_t max_ms)
    : retries_(std::max(0, retries)),
      base_ms_(std::max<int64_t>(0, base_ms)),
      max_ms_(std::max<int64_t>(0, max_ms)) {}

int64_t RetryPolicy::ceilingMs(int retry) const {
  int64_t ceiling = base_ms_;
  for (int i = 0; i < retry && ceiling < max_ms_; ++i) ceiling *= 2;
  return std::min(ceiling, max_ms_);
}

int64_t RetryPolicy::backoffMs(int retry, std::mt19937_64& random) const {
  std::uniform_int_distribution<int64_t> jitter(0, ceilingMs(std::max(0, retry)));
  return jitter(random);
}

int64_t RetryPolicy::backoffMs(int retry) const {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return backoffMs(retry, random);
}

}  // namespace mq::client
