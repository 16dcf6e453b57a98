// Burrow's lag status rules over a window of commits, as a table of cases.
#include "metaserver/lag/lag_status.h"

#include <gtest/gtest.h>

#include <vector>

namespace mq {
namespace {

struct Case {
  const char* name;
  std::vector<CommitSample> commits;  // offset, committed_ms, lag at commit
  int64_t current_lag;
  int64_t now_ms;
  LagStatus expected;
};

// Window of 4 commits; a partition is STOP after max(window span, 10 s) without a commit.
constexpr size_t kWindow = 4;
const StatusRules kRules{10000};

std::vector<Case> cases() {
  return {
      {"NoCommitIsOk", {}, 100, 1000, LagStatus::kOk},
      {"CaughtUpIsOkEvenWhenIdleForLong", {{10, 0, 0}}, 0, 1000000, LagStatus::kOk},
      {"OneRecentCommitWithLagIsOk", {{10, 1000, 5}}, 5, 2000, LagStatus::kOk},
      {"OneCommitThenSilenceBeyondTheFloorIsStop", {{10, 1000, 5}}, 5, 11001, LagStatus::kStop},
      {"SilenceWithinTheFloorIsNotStop", {{10, 1000, 5}}, 5, 11000, LagStatus::kOk},
      {"SilenceLongerThanTheWindowSpanIsStop",
       {{10, 0, 5}, {20, 20000, 5}, {30, 40000, 5}, {40, 60000, 5}},
       5,
       60000 + 60001,
       LagStatus::kStop},
      {"SilenceShorterThanTheWindowSpanIsNotStop",
       {{10, 0, 5}, {20, 20000, 4}, {30, 40000, 3}, {40, 60000, 2}},
       2,
       60000 + 59999,
       LagStatus::kOk},
      {"OffsetWentBackwardsWithLagIsRewind",
       {{50, 1000, 5}, {40, 2000, 15}},
       15,
       2500,
       LagStatus::kRewind},
      {"RewindIgnoredWhenLagWasZeroInTheWindow",
       {{50, 1000, 0}, {40, 2000, 10}},
       10,
       2500,
       LagStatus::kOk},
      {"SameOffsetAcrossAFullWindowWithLagIsStall",
       {{10, 1000, 5}, {10, 2000, 6}, {10, 3000, 7}, {10, 4000, 8}},
       8,
       4500,
       LagStatus::kStall},
      {"SameOffsetInAWindowNotFullYetIsOk",
       {{10, 1000, 5}, {10, 2000, 6}, {10, 3000, 7}},
       7,
       3500,
       LagStatus::kOk},
      {"LagNeverDecreasingAcrossAFullWindowIsWarn",
       {{10, 1000, 5}, {12, 2000, 5}, {14, 3000, 8}, {16, 4000, 9}},
       9,
       4500,
       LagStatus::kWarn},
      {"LagThatDecreasedOnceIsOk",
       {{10, 1000, 5}, {12, 2000, 7}, {14, 3000, 6}, {16, 4000, 9}},
       9,
       4500,
       LagStatus::kOk},
      {"LagZeroOnceInTheWindowIsOk",
       {{10, 1000, 0}, {12, 2000, 5}, {14, 3000, 8}, {16, 4000, 9}},
       9,
       4500,
       LagStatus::kOk},
      {"StopWinsOverStall",
       {{10, 1000, 5}, {10, 2000, 6}, {10, 3000, 7}, {10, 4000, 8}},
       8,
       4000 + 10001,
       LagStatus::kStop},
      {"RewindWinsOverWarn",
       {{10, 1000, 5}, {20, 2000, 5}, {15, 3000, 10}, {16, 4000, 12}},
       12,
       4500,
       LagStatus::kRewind},
      {"OldestCommitsFallOutOfTheWindow",
       {{30, 1000, 5}, {10, 2000, 15}, {11, 3000, 14}, {12, 4000, 13}, {13, 5000, 12}},
       12,
       5500,
       LagStatus::kOk},
  };
}

class LagStatusRules : public ::testing::TestWithParam<Case> {};

TEST_P(LagStatusRules, ClassifiesThePartition) {
  const Case& c = GetParam();
  CommitWindow window(kWindow);
  for (const auto& commit : c.commits) window.observe(commit);
  auto verdict = evaluatePartitionStatus(window, c.current_lag, c.now_ms, kRules);
  EXPECT_EQ(lagStatusName(verdict.status), std::string(lagStatusName(c.expected)))
      << verdict.reason;
  EXPECT_FALSE(verdict.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(Cases, LagStatusRules, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CommitWindow, IgnoresTheSameCommitSeenAgain) {
  CommitWindow window(3);
  EXPECT_TRUE(window.observe({10, 1000, 5}));
  EXPECT_FALSE(window.observe({10, 1000, 7}));
  EXPECT_TRUE(window.observe({10, 2000, 7}));  // re-committed later: a new commit
  EXPECT_EQ(window.samples().size(), 2u);
}

TEST(CommitWindow, KeepsTheLastCapacityCommitsAndMeasuresTheirRate) {
  CommitWindow window(3);
  for (int i = 0; i < 5; ++i) window.observe({i * 100, i * 1000, 1});
  ASSERT_EQ(window.samples().size(), 3u);
  EXPECT_EQ(window.samples().front().offset, 200);
  EXPECT_EQ(window.spanMs(), 2000);
  EXPECT_DOUBLE_EQ(window.consumeRate(), 100.0);  // 200 messages in 2 s
}

TEST(HumanDuration, ReadsLikeTheIssueAsks) {
  EXPECT_EQ(humanDuration(850), "850 ms");
  EXPECT_EQ(humanDuration(42'999), "42 s");
  EXPECT_EQ(humanDuration(212'000), "3 min 32 s");
  EXPECT_EQ(humanDuration(60'000), "1 min");
  EXPECT_EQ(humanDuration(7'500'000), "2 h 5 min");
  EXPECT_EQ(humanDuration(3 * 86'400'000LL + 4 * 3'600'000LL), "3 d 4 h");
}

// Issue 25 bug 4: a stopped partition showed its last rate (7.842 msg/s) for minutes.
TEST(CommitWindow, CurrentRateIsZeroOnceNoCommitCameForLongerThanAStopAllows) {
  CommitWindow window(3);
  for (int i = 0; i < 3; ++i) window.observe({i * 100, i * 1000, 1});  // span 2 s, 100 msg/s
  StatusRules rules;
  rules.min_stop_idle_ms = 5000;
  EXPECT_DOUBLE_EQ(currentConsumeRate(window, 2000, rules), 100.0);
  EXPECT_DOUBLE_EQ(currentConsumeRate(window, 2000 + 5000, rules), 100.0);  // at the limit
  EXPECT_EQ(currentConsumeRate(window, 2000 + 5001, rules), 0);
  rules.min_stop_idle_ms = 0;  // then the window's span is the limit
  EXPECT_DOUBLE_EQ(currentConsumeRate(window, 4000, rules), 100.0);
  EXPECT_EQ(currentConsumeRate(window, 4001, rules), 0);
  EXPECT_EQ(currentConsumeRate(CommitWindow(3), 0, rules), 0);
}

TEST(CommitWindow, RateIsZeroWithoutProgress) {
  CommitWindow window(3);
  EXPECT_EQ(window.consumeRate(), 0);
  window.observe({50, 1000, 1});
  window.observe({40, 2000, 1});
  EXPECT_EQ(window.consumeRate(), 0);
}

struct GroupCase {
  const char* name;
  std::vector<LagStatus> partitions;
  LagStatus expected;
};

class GroupStatusRule : public ::testing::TestWithParam<GroupCase> {};

TEST_P(GroupStatusRule, IsTheWorstPartitionWithStopStallRewindAsErr) {
  EXPECT_EQ(groupStatus(GetParam().partitions), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GroupStatusRule,
    ::testing::Values(GroupCase{"Empty", {}, LagStatus::kOk},
                      GroupCase{"AllOk", {LagStatus::kOk, LagStatus::kOk}, LagStatus::kOk},
                      GroupCase{"OneWarn", {LagStatus::kOk, LagStatus::kWarn}, LagStatus::kWarn},
                      GroupCase{"Stop", {LagStatus::kWarn, LagStatus::kStop}, LagStatus::kErr},
                      GroupCase{"Stall", {LagStatus::kStall, LagStatus::kOk}, LagStatus::kErr},
                      GroupCase{"Rewind", {LagStatus::kRewind}, LagStatus::kErr}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mq
