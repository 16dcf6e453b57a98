#include "common/consumer_lag.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(ConsumerLag, CountsFromTheCommitOrFromTheLogStart) {
  EXPECT_EQ(consumerLag(/*committed=*/40, /*log_start=*/0, /*log_end=*/100), 60);
  // Never committed: every stored message counts.
  EXPECT_EQ(firstUnconsumed(-1, 20), 20);
  EXPECT_EQ(consumerLag(-1, 20, 100), 80);
  // A commit below what retention keeps counts from the log start, not from the commit.
  EXPECT_EQ(firstUnconsumed(5, 20), 20);
  EXPECT_EQ(consumerLag(5, 20, 100), 80);
  // Caught up, or committed past the end (a log cut back by a crash): no lag, never negative.
  EXPECT_EQ(consumerLag(100, 0, 100), 0);
  EXPECT_EQ(consumerLag(120, 0, 100), 0);
  // An empty partition.
  EXPECT_EQ(consumerLag(-1, 0, 0), 0);
}

}  // namespace
}  // namespace mq
