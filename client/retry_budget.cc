#include "client/retry_budget.h"

#include <algorithm>
#include <string>

#include "mq/client.h"

namespace mq::client {

RetryBudget::RetryBudget(double ratio, double min_per_second)
    : ratio_(std::max(0.0, ratio)), min_per_second_(std::max(0.0, min_per_second)) {}

RetryBudget::Second& RetryBudget::bucket(SteadyClock::time_point now) {
  const int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Second& slot = seconds_[static_cast<size_t>(second % kWindowSeconds)];
  if (slot.epoch_second != second) slot = Second{second, 0, 0};
  return slot;
}

void RetryBudget::recordCalls(int64_t calls, SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  bucket(now).calls += calls;
}

bool RetryBudget::tryRetry(SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Second& current = bucket(now);
  int64_t calls = 0;
  int64_t retries = 0;
  for (const Second& slot : seconds_) {
    if (slot.epoch_second > current.epoch_second - kWindowSeconds) {
      calls += slot.calls;
      retries += slot.retries;
    }
  }
  const double allowed = ratio_ * static_cast<double>(calls) + min_per_second_ * kWindowSeconds;
  if (static_cast<double>(retries + 1) > allowed) {
    ++refused_;
    return false;
  }
  ++current.retries;
  return true;
}

Error budgetExhausted(const Error& last) {
  return Error(last.code(),
               std::string(last.what()) +
                   " (not retried: the client's retry budget is exhausted, see "
                   "retry_budget_ratio)",
               last.retriable());
}

int64_t RetryBudget::refused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refused_;
}

}  // namespace mq::client
