// GroupGather: when a group commit waits for the callers the last group answered, how long,
// and how misses turn the wait off for a while.
#include "broker/group_gather.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Clock = GroupGather::Clock;

const Clock::time_point kT0 = Clock::time_point() + std::chrono::hours(1);

TEST(GroupGather, WaitsForTheAnsweredCallersAndTheQueuedOnes) {
  GroupGather gather(microseconds(1000));
  gather.groupEnded(8, 8, milliseconds(2), kT0);
  EXPECT_FALSE(gather.ready(8, kT0));
  EXPECT_FALSE(gather.ready(15, kT0 + microseconds(300)));
  EXPECT_TRUE(gather.ready(16, kT0 + microseconds(300)));
  EXPECT_EQ(gather.deadline(), kT0 + microseconds(1000));
}

TEST(GroupGather, WaitsAtMostTheWindowOrTheLastGroupsDuration) {
  GroupGather gather(microseconds(1000));
  gather.groupEnded(8, 0, microseconds(400), kT0);
  EXPECT_EQ(gather.deadline(), kT0 + microseconds(400));
  EXPECT_FALSE(gather.ready(3, kT0 + microseconds(399)));
  EXPECT_TRUE(gather.ready(3, kT0 + microseconds(400)));
  gather.groupStarts(8);
  gather.groupEnded(8, 0, milliseconds(5), kT0);
  EXPECT_EQ(gather.deadline(), kT0 + microseconds(1000));
}

TEST(GroupGather, OneCallerOrNoneAnsweredNeverWaits) {
  GroupGather gather(microseconds(1000));
  gather.groupEnded(1, 0, milliseconds(2), kT0);  // one synchronous producer
  EXPECT_TRUE(gather.ready(0, kT0));
  gather.groupEnded(0, 5, milliseconds(2), kT0);  // its items went in another group's turn
  EXPECT_TRUE(gather.ready(1, kT0));
}

// Groups of more than 16 requests already spread a COMMIT's cost; with 32 closed loops the
// wait cost more than it saved.
TEST(GroupGather, MoreThanSixteenCallersNeverWait) {
  GroupGather gather(microseconds(1000));
  gather.groupEnded(9, 8, milliseconds(2), kT0);
  EXPECT_TRUE(gather.ready(8, kT0));
  gather.groupEnded(8, 8, milliseconds(2), kT0);
  EXPECT_FALSE(gather.ready(8, kT0));
}

TEST(GroupGather, AWindowOfZeroNeverWaits) {
  GroupGather gather(microseconds(0));
  gather.groupEnded(8, 8, milliseconds(2), kT0);
  EXPECT_TRUE(gather.ready(8, kT0));
}

// A group that started on its deadline without the callers: the next 1, 2, 4 ... 64 groups
// do not wait; one that got them resets that.
TEST(GroupGather, MissesBackOffDoublingUpTo64Groups) {
  GroupGather gather(microseconds(1000));
  int expected_skip = 1;
  for (int miss = 0; miss < 9; ++miss) {
    gather.groupEnded(4, 0, milliseconds(2), kT0);
    ASSERT_FALSE(gather.ready(2, kT0)) << "miss " << miss;
    gather.groupStarts(2);  // the deadline passed with 2 of 4
    EXPECT_EQ(gather.skipping(), expected_skip);
    for (int skipped = 0; skipped < expected_skip; ++skipped) {
      gather.groupEnded(4, 0, milliseconds(2), kT0);
      EXPECT_TRUE(gather.ready(0, kT0)) << "group " << skipped << " after miss " << miss;
      gather.groupStarts(0);
    }
    EXPECT_EQ(gather.skipping(), 0);
    expected_skip = std::min(64, expected_skip * 2);
  }
  // Caught: the callers came back; the back-off starts again at 1.
  gather.groupEnded(4, 0, milliseconds(2), kT0);
  gather.groupStarts(4);
  EXPECT_EQ(gather.skipping(), 0);
  gather.groupEnded(4, 0, milliseconds(2), kT0);
  gather.groupStarts(1);
  EXPECT_EQ(gather.skipping(), 1);
}

}  // namespace
}  // namespace mq
