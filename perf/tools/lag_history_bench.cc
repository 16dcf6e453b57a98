// mq-lag-history-bench: what the portal's chart history (metaserver/lag/lag_history.h) costs the
// lag collector: time to record one cycle, memory of a full window, and time to build the
// series of one topic, one group and the cluster (docs/portal.md#charts has the numbers).
//
//   mq-lag-history-bench [TOPICS PARTITIONS_PER_TOPIC GROUPS]   (default 100 10 100)
//
// Every group reads one topic, so a cycle has TOPICS x PARTITIONS end offsets and
// GROUPS x PARTITIONS group partitions. Cycles are 5 s apart (lag-interval's default).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "metaserver/lag/lag_history.h"

namespace {

long residentKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

mq::LagSnapshot cycle(int64_t at_ms, int64_t k, int topics, int partitions, int groups) {
  mq::LagSnapshot snapshot;
  snapshot.collected_ms = at_ms;
  for (int t = 0; t < topics; ++t) {
    for (int p = 0; p < partitions; ++p) {
      snapshot.partitions.push_back({"topic-" + std::to_string(t), p, 0, k * 10 + p});
    }
  }
  for (int g = 0; g < groups; ++g) {
    mq::GroupLag group;
    group.group = "group-" + std::to_string(g);
    for (int p = 0; p < partitions; ++p) {
      mq::PartitionLag partition;
      partition.topic = "topic-" + std::to_string(g % topics);
      partition.partition = p;
      partition.committed_offset = k * 5;
      partition.lag = k * 5 + p;
      group.partitions.push_back(partition);
    }
    snapshot.groups[group.group] = group;
  }
  return snapshot;
}

}  // namespace

int main(int argc, char** argv) {
  const int topics = argc > 1 ? std::atoi(argv[1]) : 100;
  const int partitions = argc > 2 ? std::atoi(argv[2]) : 10;
  const int groups = argc > 3 ? std::atoi(argv[3]) : 100;
  if (topics < 1 || partitions < 1 || groups < 0) {
    std::fprintf(stderr, "usage: mq-lag-history-bench [TOPICS PARTITIONS_PER_TOPIC GROUPS]\n");
    return 2;
  }
  const int cycles = static_cast<int>(mq::LagHistory::kDefaultWindowMs / 5000) + 1;
  std::vector<mq::LagSnapshot> snapshots;
  for (int i = 0; i < cycles; ++i) {
    snapshots.push_back(cycle(1000 + i * 5000LL, i, topics, partitions, groups));
  }
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  const long before_kb = residentKb();
  mq::LagHistory history;
  const auto t0 = Clock::now();
  for (const auto& snapshot : snapshots) history.add(snapshot);
  const auto t1 = Clock::now();
  const long after_kb = residentKb();
  const auto topic = history.topic("topic-0");
  const auto t2 = Clock::now();
  const auto group = history.group("group-0");
  const auto t3 = Clock::now();
  const auto cluster = history.cluster();
  const auto t4 = Clock::now();
  std::printf(
      "%d end offsets and %d group partitions per cycle, %zu cycles kept\n"
      "record one cycle: %.3f ms; memory of the window: %.1f MiB\n"
      "series: topic %.1f ms, group %.1f ms, cluster %.1f ms (%zu, %zu, %zu points)\n",
      topics * partitions, groups * partitions, history.size(), ms(t0, t1) / cycles,
      (after_kb - before_kb) / 1024.0, ms(t1, t2), ms(t2, t3), ms(t3, t4), topic.at_ms.size(),
      group.at_ms.size(), cluster.at_ms.size());
  return 0;
}
