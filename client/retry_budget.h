// A retry budget: retries may add at most `ratio` to the calls made in the last
// `window_seconds`, plus `min_per_second` retries per second so a quiet client can still
// retry. When a broker or the database is down, every client retrying every call with its
// own backoff would multiply the load on whatever is still up (a retry storm); the budget
// caps that extra load at a fixed fraction, whatever `retries` says (Finagle's and gRPC's
// retry throttling work the same way). Pure logic; time is passed in. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "common/clock.h"

namespace mq::client {

class RetryBudget {
 public:
  static constexpr int kWindowSeconds = 10;

  // ratio >= 0 (0.2: retries at most 20 % of calls); min_per_second >= 0.
  RetryBudget(double ratio, double min_per_second);

  // `calls` first attempts were made at `now`.
  void recordCalls(int64_t calls, SteadyClock::time_point now);
  // True (and the retry is counted) when one more retry at `now` stays within the budget.
  bool tryRetry(SteadyClock::time_point now);
  // Retries refused since the start.
  int64_t refused() const;

 private:
  struct Second {
    int64_t epoch_second = -1;
    int64_t calls = 0;
    int64_t retries = 0;
  };
  // The bucket of `now`, emptied first if it held an older second. REQUIRES: mutex_ held.
  Second& bucket(SteadyClock::time_point now);

  const double ratio_;
  const double min_per_second_;
  mutable std::mutex mutex_;
  std::array<Second, kWindowSeconds> seconds_{};
  int64_t refused_ = 0;
};

class Error;
// `last` (the error a refused retry would have followed), saying the retry budget ran out.
Error budgetExhausted(const Error& last);

}  // namespace mq::client
