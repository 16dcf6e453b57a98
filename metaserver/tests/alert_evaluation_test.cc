// Alert rule values against a lag snapshot, and the ok -> pending -> firing -> ok moves.
#include "metaserver/lag/alert_evaluation.h"

#include <gtest/gtest.h>

#include "metaserver/lag/lag_json.h"

namespace mq {
namespace {

LagSnapshot snapshot() {
  LagSnapshot s;
  GroupLag g;
  g.group = "orders";
  PartitionLag a{"t1", 0, 0, 100, 40, 0, 60, 12.5, 0, LagStatus::kOk, "consuming"};
  PartitionLag b{"t1", 1, 0, 100, 90, 0, 10, 3.0, 0, LagStatus::kStop, "no commit"};
  PartitionLag c{"t2", 0, 0, 100, 0, 0, 100, 30.0, 0, LagStatus::kOk, "no commit yet"};
  g.partitions = {a, b, c};
  s.groups["orders"] = g;
  return s;
}

struct ConditionCase {
  const char* name;
  AlertKind kind;
  int64_t threshold;
  const char* group;
  const char* topic;
  bool holds;
  double value;
};

class AlertConditions : public ::testing::TestWithParam<ConditionCase> {};

TEST_P(AlertConditions, ValueAndVerdict) {
  const auto& c = GetParam();
  auto condition = evaluateAlertCondition(c.kind, c.threshold, c.group, c.topic, snapshot());
  EXPECT_EQ(condition.holds, c.holds) << condition.message;
  EXPECT_DOUBLE_EQ(condition.value, c.value);
  EXPECT_NE(condition.message.find(c.group), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AlertConditions,
    ::testing::Values(
        ConditionCase{"SumOfLagAboveThreshold", AlertKind::kLagMessages, 169, "orders", "", true,
                      170},
        ConditionCase{"SumOfLagAtThresholdDoesNotHold", AlertKind::kLagMessages, 170, "orders", "",
                      false, 170},
        ConditionCase{"LagScopedToATopic", AlertKind::kLagMessages, 100, "orders", "t1", false, 70},
        ConditionCase{"MaxLagSeconds", AlertKind::kLagSeconds, 20, "orders", "", true, 30},
        ConditionCase{"MaxLagSecondsOfATopic", AlertKind::kLagSeconds, 20, "orders", "t1", false,
                      12.5},
        ConditionCase{"StatusErrHolds", AlertKind::kStatus, 0, "orders", "", true, 3},
        ConditionCase{"StatusOfAnOkTopic", AlertKind::kStatus, 0, "orders", "t2", false, 1},
        ConditionCase{"UnknownGroupNeverHolds", AlertKind::kLagMessages, 0, "nobody", "", false,
                      0}),
    [](const auto& info) { return std::string(info.param.name); });

struct MoveCase {
  const char* name;
  AlertState state;
  int64_t since_ms;
  bool holds;
  int64_t for_ms;
  int64_t now_ms;
  AlertState next;
  int64_t next_since_ms;
  const char* event;  // "" = none
};

class AlertMoves : public ::testing::TestWithParam<MoveCase> {};

TEST_P(AlertMoves, NextStateAndEvent) {
  const auto& c = GetParam();
  auto t = advanceAlert(c.state, c.since_ms, c.holds, c.for_ms, c.now_ms);
  EXPECT_EQ(alertStateName(t.state), std::string(alertStateName(c.next)));
  EXPECT_EQ(t.since_ms, c.next_since_ms);
  EXPECT_EQ(std::string(t.event ? t.event : ""), c.event);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AlertMoves,
    ::testing::Values(
        MoveCase{"OkStaysOk", AlertState::kOk, 5, false, 1000, 100, AlertState::kOk, 5, ""},
        MoveCase{"OkToPending", AlertState::kOk, 5, true, 1000, 100, AlertState::kPending, 100, ""},
        MoveCase{"OkFiresAtOnceWithoutDuration", AlertState::kOk, 5, true, 0, 100,
                 AlertState::kFiring, 100, "firing"},
        MoveCase{"PendingWaits", AlertState::kPending, 100, true, 1000, 1099, AlertState::kPending,
                 100, ""},
        MoveCase{"PendingFiresAfterDuration", AlertState::kPending, 100, true, 1000, 1100,
                 AlertState::kFiring, 1100, "firing"},
        MoveCase{"PendingBackToOk", AlertState::kPending, 100, false, 1000, 500, AlertState::kOk,
                 500, ""},
        MoveCase{"FiringStays", AlertState::kFiring, 100, true, 1000, 5000, AlertState::kFiring,
                 100, ""},
        MoveCase{"FiringResolves", AlertState::kFiring, 100, false, 1000, 5000, AlertState::kOk,
                 5000, "resolved"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(AlertKinds, ParseAndName) {
  for (const char* name : {"lag_messages", "lag_seconds", "status"}) {
    auto kind = parseAlertKind(name);
    ASSERT_TRUE(kind) << name;
    EXPECT_EQ(std::string(alertKindName(*kind)), name);
  }
  EXPECT_FALSE(parseAlertKind("lag"));
}

TEST(LagJson, EscapesNamesAndWritesFiniteNumbers) {
  GroupLag group;
  group.group = "a\"b\\c\n";
  group.max_lag_seconds = 1.23456;
  EXPECT_EQ(groupSummaryJson(group),
            "{\"group\":\"a\\\"b\\\\c\\n\",\"state\":\"\",\"members\":0,\"status\":\"OK\","
            "\"status_code\":1,\"total_lag\":0,\"max_lag_seconds\":1.235,\"partitions\":0}");
  group.max_lag_seconds = 0.0 / 0.0;
  EXPECT_NE(groupSummaryJson(group).find("\"max_lag_seconds\":0,"), std::string::npos);
}

}  // namespace
}  // namespace mq
