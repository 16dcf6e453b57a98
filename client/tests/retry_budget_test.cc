// The retry budget: retries within ratio x calls of the last 10 s plus a floor per second,
// refused beyond, and the window sliding forward.
#include "client/retry_budget.h"

#include <gtest/gtest.h>

using mq::client::RetryBudget;

namespace mq {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// How many retries in a row tryRetry allows at `now` (stops at `limit`).
int retriesAllowed(RetryBudget& budget, SteadyClock::time_point now, int limit = 100000) {
  int allowed = 0;
  while (allowed < limit && budget.tryRetry(now)) ++allowed;
  return allowed;
}

TEST(RetryBudget, AQuietClientGetsTheFloorPerSecondOverTheWindow) {
  RetryBudget budget(0.2, 3);
  const auto t0 = SteadyClock::time_point(seconds(1000));
  EXPECT_EQ(retriesAllowed(budget, t0), 3 * RetryBudget::kWindowSeconds);
  EXPECT_EQ(budget.refused(), 1);
}

TEST(RetryBudget, RetriesAreCappedAtTheRatioOfCalls) {
  RetryBudget budget(0.2, 0);
  const auto t0 = SteadyClock::time_point(seconds(1000));
  EXPECT_FALSE(budget.tryRetry(t0));  // no calls, no floor: nothing
  budget.recordCalls(1000, t0);
  EXPECT_EQ(retriesAllowed(budget, t0 + milliseconds(500)), 200);
  budget.recordCalls(50, t0 + seconds(1));
  EXPECT_EQ(retriesAllowed(budget, t0 + seconds(1)), 10);
}

TEST(RetryBudget, CallsAndRetriesLeaveTheWindowAfterTenSeconds) {
  RetryBudget budget(0.5, 0);
  const auto t0 = SteadyClock::time_point(seconds(1000));
  budget.recordCalls(100, t0);
  EXPECT_EQ(retriesAllowed(budget, t0), 50);
  // Nine seconds on, both the calls and the retries still count: nothing more.
  EXPECT_FALSE(budget.tryRetry(t0 + seconds(9)));
  budget.recordCalls(10, t0 + seconds(9));
  EXPECT_EQ(retriesAllowed(budget, t0 + seconds(9)), 5);
  // Ten seconds on, the first second has left the window: its 100 calls and 50 retries no
  // longer count, the ten calls of second nine and their five retries do.
  EXPECT_FALSE(budget.tryRetry(t0 + seconds(10)));
  budget.recordCalls(90, t0 + seconds(10));
  EXPECT_EQ(retriesAllowed(budget, t0 + seconds(10)), 45);
}

TEST(RetryBudget, ALongPauseStartsFromAnEmptyWindow) {
  RetryBudget budget(1.0, 0);
  const auto t0 = SteadyClock::time_point(seconds(1000));
  budget.recordCalls(1000, t0);
  EXPECT_EQ(retriesAllowed(budget, t0, 10), 10);
  // Exactly a multiple of the window later: the same slot, but an old second.
  EXPECT_FALSE(budget.tryRetry(t0 + seconds(10 * RetryBudget::kWindowSeconds)));
}

}  // namespace
}  // namespace mq
