// LagHistory (lag_history.h): rates between samples, gaps, resets and the window.
#include "metaserver/lag/lag_history.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

// A snapshot at `at_ms` with topic "t" (two partitions at the given end offsets, -1 = its
// datanode did not answer) and group "g" committed at `committed` on t/0 with lag `lag`.
LagSnapshot snapshot(int64_t at_ms, int64_t end0, int64_t end1, int64_t committed, int64_t lag) {
  LagSnapshot s;
  s.collected_ms = at_ms;
  if (end0 >= 0) s.partitions.push_back({"t", 0, 0, end0});
  if (end1 >= 0) s.partitions.push_back({"t", 1, 0, end1});
  if (end0 < 0 || end1 < 0) s.unavailable_datanodes.push_back("dn-2");
  GroupLag group;
  group.group = "g";
  PartitionLag p;
  p.topic = "t";
  p.partition = 0;
  p.committed_offset = committed;
  p.lag = lag;
  group.partitions.push_back(p);
  s.groups["g"] = group;
  return s;
}

TEST(LagHistory, RatesArePerSecondBetweenConsecutiveSamples) {
  LagHistory history;
  history.add(snapshot(10000, 0, 0, 0, 0));
  history.add(snapshot(12000, 10, 30, 4, 6));   // +40 appended, +4 consumed in 2 s
  history.add(snapshot(14000, 10, 30, 10, 0));  // nothing appended, +6 consumed
  const auto topic = history.topic("t");
  ASSERT_EQ(topic.at_ms, (std::vector<int64_t>{12000, 14000}));
  EXPECT_EQ(topic.messages_per_second, (std::vector<double>{20.0, 0.0}));
  EXPECT_EQ(topic.end_offset, (std::vector<int64_t>{40, 40}));

  const auto group = history.group("g");
  ASSERT_EQ(group.at_ms, (std::vector<int64_t>{12000, 14000}));
  ASSERT_EQ(group.partitions.size(), 1u);
  EXPECT_EQ(group.partitions[0].lag, (std::vector<std::optional<int64_t>>{6, 0}));
  EXPECT_EQ(group.messages_per_second, (std::vector<double>{2.0, 3.0}));

  const auto cluster = history.cluster();
  EXPECT_EQ(cluster.messages_in, (std::vector<double>{20.0, 0.0}));
  EXPECT_EQ(cluster.messages_out, (std::vector<double>{2.0, 3.0}));
  EXPECT_TRUE(history.topic("other").at_ms.empty());
  EXPECT_TRUE(history.group("other").at_ms.empty());
}

TEST(LagHistory, MissingPartitionsAndResetsBackwardsAreNeitherDipsNorNegative) {
  LagHistory history;
  history.add(snapshot(1000, 100, 100, 50, 50));
  history.add(snapshot(2000, 110, -1, 0, 110));  // partition 1 unknown; offsets reset to 0
  history.add(snapshot(3000, 120, 150, 5, 105));
  const auto topic = history.topic("t");
  // 10 on partition 0 only; then 10 on 0 and nothing counted for 1 (unknown the cycle before).
  EXPECT_EQ(topic.messages_per_second, (std::vector<double>{10.0, 10.0}));
  EXPECT_EQ(history.group("g").messages_per_second, (std::vector<double>{0.0, 5.0}));
}

// Issue 25 bug 5: a topic created between two cycles had its first burst counted as 0.
TEST(LagHistory, ANewTopicsFirstBurstIsItsFirstRate) {
  LagHistory history;
  history.add(snapshot(1000, 0, 0, 0, 0));
  LagSnapshot created = snapshot(3000, 0, 0, 0, 0);
  created.partitions.push_back({"new", 0, 0, 300});  // created and 300 produced since 1000
  created.partitions.push_back({"new", 1, 0, 100});
  history.add(created);
  LagSnapshot grown = snapshot(4000, 0, 0, 0, 0);
  grown.partitions.push_back({"new", 0, 0, 310});
  grown.partitions.push_back({"new", 1, 0, 100});
  grown.partitions.push_back({"new", 2, 0, 40});  // a partition added since 3000
  history.add(grown);
  const auto topic = history.topic("new");
  ASSERT_EQ(topic.at_ms, (std::vector<int64_t>{3000, 4000}));
  EXPECT_EQ(topic.messages_per_second, (std::vector<double>{200.0, 50.0}));
  EXPECT_EQ(history.cluster().messages_in, (std::vector<double>{200.0, 50.0}));

  // Missing from a cycle in which a datanode did not answer: perhaps only not answered, so
  // not counted from 0 (no spike).
  LagHistory outage;
  LagSnapshot partial = snapshot(1000, 0, 0, 0, 0);
  partial.unavailable_datanodes.push_back("dn-3");
  outage.add(partial);
  LagSnapshot back = snapshot(2000, 0, 0, 0, 0);
  back.partitions.push_back({"old", 0, 0, 5000});
  outage.add(back);
  EXPECT_EQ(outage.topic("old").messages_per_second, (std::vector<double>{0.0}));
}

TEST(LagHistory, KeepsTheWindowAndTheSampleLimitAndIgnoresOldSnapshots) {
  LagHistory history(10000, 5);
  for (int i = 0; i < 20; ++i) history.add(snapshot(1000 * (i + 1), i, i, i, 0));
  EXPECT_EQ(history.size(), 5u);
  history.add(snapshot(5000, 0, 0, 0, 0));  // older than the last: ignored
  EXPECT_EQ(history.size(), 5u);
  EXPECT_EQ(history.topic("t").at_ms.front(), 17000);
  LagHistory windowed(3000, 100);
  for (int i = 0; i < 10; ++i) windowed.add(snapshot(1000 * (i + 1), i, i, i, 0));
  EXPECT_EQ(windowed.size(), 4u);  // 7000..10000
  windowed.clear();
  EXPECT_EQ(windowed.size(), 0u);
  EXPECT_TRUE(windowed.cluster().at_ms.empty());
}

TEST(LagHistory, ABigClusterKeepsAShorterWindowNotMoreMemory) {
  // Each sample has 3 points (2 end offsets, 1 group partition): 10 points keep 3 samples.
  LagHistory history(3600000, 100, 10);
  for (int i = 0; i < 10; ++i) history.add(snapshot(1000 * (i + 1), i, i, i, 0));
  EXPECT_EQ(history.size(), 3u);
  EXPECT_EQ(history.topic("t").at_ms, (std::vector<int64_t>{9000, 10000}));
  // Two samples stay, however big: a rate needs them.
  LagHistory tiny(3600000, 100, 1);
  for (int i = 0; i < 5; ++i) tiny.add(snapshot(1000 * (i + 1), i, i, i, 0));
  EXPECT_EQ(tiny.size(), 2u);
  EXPECT_EQ(tiny.cluster().at_ms, (std::vector<int64_t>{5000}));
}

TEST(LagHistory, GroupPartitionsThatComeAndGoHaveGaps) {
  LagHistory history;
  history.add(snapshot(1000, 0, 0, 0, 1));
  history.add(snapshot(2000, 0, 0, 0, 2));
  LagSnapshot more = snapshot(3000, 0, 0, 0, 3);
  PartitionLag p1;
  p1.topic = "t";
  p1.partition = 1;
  p1.lag = 9;
  more.groups["g"].partitions.push_back(p1);
  history.add(more);
  const auto group = history.group("g");
  ASSERT_EQ(group.partitions.size(), 2u);
  EXPECT_EQ(group.partitions[0].lag, (std::vector<std::optional<int64_t>>{2, 3}));
  EXPECT_EQ(group.partitions[1].lag, (std::vector<std::optional<int64_t>>{std::nullopt, 9}));
}

}  // namespace
}  // namespace mq
