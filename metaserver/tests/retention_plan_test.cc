// planRetention (metaserver/lifecycle/retention_plan.h): which segments go, where the start offset
// moves, when rows are deleted one by one, and how segments are added ahead of the log end.
#include "metaserver/lifecycle/retention_plan.h"

#include <gtest/gtest.h>

#include <limits>

namespace mq {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Segments of `width` from 0 up to `last_upper`, then pmax (recording the width).
TableLayout segmentedTable(int64_t width, int64_t first_lower, int64_t last_upper,
                           int64_t bytes_each = 1000) {
  TableLayout layout;
  layout.segmented = true;
  layout.segment_messages = width;
  for (int64_t lower = first_lower; lower < last_upper; lower += width) {
    layout.segments.push_back(
        {PartitionStore::segmentName(lower), lower, lower + width, bytes_each});
    layout.data_bytes += bytes_each;
  }
  layout.segments.push_back({"pmax", last_upper, kMax, 0});
  return layout;
}

RetentionLimits timeOnly() { return RetentionLimits{60000, 0, 0}; }

TEST(RetentionPlan, DropsOnlySegmentsWhollyBelowTheTimeCutAndMovesStartToTheirEnd) {
  auto layout = segmentedTable(100, 0, 500);
  auto plan = planRetention(timeOnly(), {0, 450}, layout, /*time_cut=*/250, false, 0, 100);
  EXPECT_EQ(plan.drop_segments, (std::vector<std::string>{"s0", "s100"}));
  EXPECT_EQ(plan.new_start, 200);  // s200 is partly expired but closed: it goes as a whole later
  EXPECT_EQ(plan.delete_below, -1);
  EXPECT_STREQ(plan.limited_by, "time");
}

TEST(RetentionPlan, NothingExpiredChangesNothing) {
  auto layout = segmentedTable(100, 0, 500);
  auto plan = planRetention(timeOnly(), {0, 450}, layout, 0, false, 0, 100);
  EXPECT_TRUE(plan.drop_segments.empty());
  EXPECT_EQ(plan.new_start, 0);
  EXPECT_EQ(plan.delete_below, -1);
  // Only 450..500 is left ahead of the log end, less than a whole segment: one more.
  EXPECT_EQ(plan.add_uppers, (std::vector<int64_t>{600}));
}

TEST(RetentionPlan, QuietPartitionDeletesExpiredRowsOfItsOpenSegment) {
  // Everything is in the first segment, which holds the log end and may never fill.
  auto layout = segmentedTable(1000, 0, 2000);
  auto plan = planRetention(timeOnly(), {0, 40}, layout, 30, false, 0, 1000);
  EXPECT_TRUE(plan.drop_segments.empty());
  EXPECT_EQ(plan.delete_below, 30);
  EXPECT_EQ(plan.new_start, 30);
}

TEST(RetentionPlan, EverythingExpiredEmptiesThePartitionUpToTheLogEnd) {
  auto layout = segmentedTable(100, 0, 300);
  auto plan = planRetention(timeOnly(), {0, 250}, layout, 250, false, 0, 100);
  EXPECT_EQ(plan.drop_segments, (std::vector<std::string>{"s0", "s100"}));
  EXPECT_EQ(plan.delete_below, 250);  // the rest of the open segment s200
  EXPECT_EQ(plan.new_start, 250);
}

TEST(RetentionPlan, MessageCountKeepsTheNewestMessages) {
  auto layout = segmentedTable(100, 0, 1100);
  RetentionLimits limits{0, 0, 500};
  auto plan = planRetention(limits, {0, 1000}, layout, 0, false, 0, 100);
  EXPECT_EQ(plan.expire_before, 500);
  EXPECT_EQ(plan.drop_segments.size(), 5u);
  EXPECT_EQ(plan.new_start, 500);
  EXPECT_STREQ(plan.limited_by, "messages");
}

TEST(RetentionPlan, ByteLimitDropsOldestSegmentsWhileTheRestStillHoldsTheLimit) {
  auto layout = segmentedTable(100, 0, 1000, /*bytes_each=*/1000);
  RetentionLimits limits{0, 2500, 0};
  // 10 full segments (10000 bytes, end 1000): keeping 3 (3000 >= 2500) drops 7.
  auto plan = planRetention(limits, {0, 1000}, layout, 0, false, 0, 100);
  EXPECT_EQ(plan.new_start, 700);
  EXPECT_EQ(plan.drop_segments.size(), 7u);
  EXPECT_STREQ(plan.limited_by, "bytes");
}

TEST(RetentionPlan, UnsegmentedTableDeletesRowsBelowTheCut) {
  TableLayout legacy;
  legacy.data_bytes = 1 << 20;
  auto plan = planRetention(timeOnly(), {100, 900}, legacy, 400, false, 0, 100);
  EXPECT_EQ(plan.delete_below, 400);
  EXPECT_EQ(plan.new_start, 400);
  EXPECT_TRUE(plan.add_uppers.empty());
}

TEST(RetentionPlan, RowsLeftBelowTheStartByAStoppedRunAreDeletedNextTime) {
  TableLayout legacy;
  auto plan = planRetention(timeOnly(), {400, 900}, legacy, 400, /*rows_below_start=*/true, 0, 100);
  EXPECT_EQ(plan.delete_below, 400);
  EXPECT_EQ(plan.new_start, 400);
}

TEST(RetentionPlan, StartNeverMovesBackwardsNorPastTheLogEnd) {
  auto layout = segmentedTable(100, 300, 600);
  auto plan = planRetention(RetentionLimits{60000, 0, 10}, {350, 360}, layout, 9999, false, 0, 100);
  EXPECT_GE(plan.new_start, 350);
  EXPECT_LE(plan.new_start, 360);
  EXPECT_LE(plan.expire_before, 360);
}

TEST(RetentionPlan, AddsASegmentWhenLessThanOneIsLeftAheadOfTheLogEnd) {
  auto layout = segmentedTable(100, 0, 200);
  auto plan = planRetention(timeOnly(), {0, 150}, layout, 0, false, 0, 100);
  EXPECT_EQ(plan.last_upper, 200);
  EXPECT_EQ(plan.add_uppers, (std::vector<int64_t>{300}));
  EXPECT_EQ(plan.segment_messages, 100);
}

TEST(RetentionPlan, BusyPartitionGetsHeadroomForTwiceItsGrowth) {
  auto layout = segmentedTable(100, 0, 200);
  auto plan = planRetention(timeOnly(), {0, 150}, layout, 0, false, /*headroom=*/400, 100);
  EXPECT_EQ(plan.add_uppers, (std::vector<int64_t>{300, 400, 500, 600}));
}

TEST(RetentionPlan, RowsWrittenBeyondTheLastBoundaryGoIntoOneWiderSegment) {
  auto layout = segmentedTable(100, 0, 200);
  auto plan = planRetention(timeOnly(), {0, 1500}, layout, 0, false, 0, 100);
  ASSERT_FALSE(plan.add_uppers.empty());
  EXPECT_EQ(plan.add_uppers.front(), 1600);  // [200, 1600) absorbs the 1300 rows
  EXPECT_EQ(plan.segment_messages, 100);     // the table's width is kept
}

TEST(RetentionPlan, WidthComesFromTheTableNotFromAWiderSegment) {
  auto layout = segmentedTable(100, 0, 200);
  layout.segments.insert(layout.segments.end() - 1, {"s200", 200, 1600, 0});
  layout.segments.back().lower = 1600;
  auto plan = planRetention(timeOnly(), {0, 1550}, layout, 0, false, 0, 5000);
  EXPECT_EQ(plan.add_uppers, (std::vector<int64_t>{1700}));
}

TEST(RetentionPlan, SegmentsBelowTheStartAreNotEmptiedAgainAndGoOnceEnoughAccumulated) {
  // s0 was emptied by an earlier run (start 100, no rows below it); s100 expires now.
  auto layout = segmentedTable(100, 0, 500);
  auto plan = planRetention(timeOnly(), {100, 450}, layout, 250, false, 0, 100,
                            /*drop_emptied_min=*/3);
  EXPECT_EQ(plan.empty_segments, (std::vector<std::string>{"s100"}));
  EXPECT_TRUE(plan.drop_segments.empty());  // two emptied, fewer than three: they stay
  EXPECT_EQ(plan.new_start, 200);
  // A run later s200 expires too: three emptied, all dropped in one ALTER.
  plan = planRetention(timeOnly(), {200, 450}, layout, 350, false, 0, 100, 3);
  EXPECT_EQ(plan.empty_segments, (std::vector<std::string>{"s200"}));
  EXPECT_EQ(plan.drop_segments, (std::vector<std::string>{"s0", "s100", "s200"}));
  EXPECT_EQ(plan.new_start, 300);
}

TEST(RetentionPlan, RowsLeftBelowTheStartAreEmptiedAgain) {
  // An earlier run advanced the start to 200 and stopped before emptying s0 and s100.
  auto layout = segmentedTable(100, 0, 500);
  auto plan =
      planRetention(timeOnly(), {200, 450}, layout, 200, /*rows_below_start=*/true, 0, 100, 4);
  EXPECT_EQ(plan.empty_segments, (std::vector<std::string>{"s0", "s100"}));
  EXPECT_TRUE(plan.drop_segments.empty());
  EXPECT_EQ(plan.delete_below, -1);
}

TEST(RetentionPlan, SegmentsAheadAreAddedSeveralAtOnceOnlyWhenTheRoomRunsShort) {
  // 60 offsets ready ahead of the log end, less than a segment: four are added.
  auto layout = segmentedTable(100, 0, 300);
  auto plan = planRetention(timeOnly(), {0, 240}, layout, 0, false, 0, 100, 1,
                            /*segments_ahead=*/4);
  EXPECT_EQ(plan.add_uppers, (std::vector<int64_t>{400, 500, 600, 700}));
  // A whole segment is still ready: nothing is added (no REORGANIZE this run).
  plan = planRetention(timeOnly(), {0, 190}, layout, 0, false, 0, 100, 1, 4);
  EXPECT_TRUE(plan.add_uppers.empty());
}

}  // namespace
}  // namespace mq
