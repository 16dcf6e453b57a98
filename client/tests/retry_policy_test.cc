// Backoff: exponential ceiling, capped, full jitter within [0, ceiling], bounded retries.
#include "client/retry_policy.h"

#include <gtest/gtest.h>

using mq::client::RetryPolicy;

namespace mq {
namespace {

TEST(RetryPolicy, CeilingDoublesFromBaseUpToTheCap) {
  RetryPolicy policy(10, 100, 5000);
  EXPECT_EQ(policy.ceilingMs(0), 100);
  EXPECT_EQ(policy.ceilingMs(1), 200);
  EXPECT_EQ(policy.ceilingMs(2), 400);
  EXPECT_EQ(policy.ceilingMs(5), 3200);
  EXPECT_EQ(policy.ceilingMs(6), 5000);
  EXPECT_EQ(policy.ceilingMs(1000), 5000);  // no overflow for huge attempt numbers
}

TEST(RetryPolicy, BackoffStaysWithinZeroAndTheCeiling) {
  RetryPolicy policy(10, 100, 5000);
  std::mt19937_64 random(42);
  for (int retry = 0; retry < 12; ++retry) {
    int64_t low = INT64_MAX;
    int64_t high = 0;
    for (int i = 0; i < 2000; ++i) {
      int64_t backoff = policy.backoffMs(retry, random);
      ASSERT_GE(backoff, 0);
      ASSERT_LE(backoff, policy.ceilingMs(retry));
      low = std::min(low, backoff);
      high = std::max(high, backoff);
    }
    // Full jitter: the whole range is used, not just values near the ceiling.
    EXPECT_LT(low, policy.ceilingMs(retry) / 10 + 1) << retry;
    EXPECT_GT(high, policy.ceilingMs(retry) * 9 / 10) << retry;
  }
}

TEST(RetryPolicy, AllowsExactlyTheConfiguredNumberOfRetries) {
  RetryPolicy policy(3, 100, 5000);
  EXPECT_TRUE(policy.mayRetry(1));
  EXPECT_TRUE(policy.mayRetry(3));
  EXPECT_FALSE(policy.mayRetry(4));
  RetryPolicy never(0, 100, 5000);
  EXPECT_FALSE(never.mayRetry(1));
}

TEST(RetryPolicy, ZeroBaseMeansNoWait) {
  RetryPolicy policy(3, 0, 0);
  std::mt19937_64 random(1);
  EXPECT_EQ(policy.backoffMs(0, random), 0);
  EXPECT_EQ(policy.backoffMs(5, random), 0);
}

TEST(RetryPolicy, CapBelowBaseWins) {
  RetryPolicy policy(3, 1000, 300);
  EXPECT_EQ(policy.ceilingMs(0), 300);
  EXPECT_EQ(policy.ceilingMs(3), 300);
}

}  // namespace
}  // namespace mq
