// Scale (ctest label `scale`): 1,000 partitions over 3 datanodes (3 databases in the suite's
// MariaDB, so the numbers are those of one shared server) behind 3 brokers, 100 consumer groups.
// Reports how long metadata operations, a lag collection cycle and rebalances take; the numbers go
// to docs/operations.md. Asserts only correctness (placement spread, lag values, complete
// assignments), never timings.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "mq/client.h"
#include "server/http_client.h"
#include "tests/harness/test_cluster.h"

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

constexpr int kTopics = 10;
constexpr int kPartitionsPerTopic = 100;
constexpr int kGroups = 100;
constexpr int kMessagesPerPartition = 5;
constexpr int kCommitted = 2;  // every group's committed offset on every partition

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string summary(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << "median " << ms[ms.size() / 2] << " ms, max " << ms.back() << " ms (n "
      << ms.size() << ")";
  return out.str();
}

std::string metricsPage(int port) {
  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  url.target = "/metrics";
  return httpRequest("GET", url, "", "text/plain", 30000).body;
}

std::optional<double> metricValue(const std::string& page, const std::string& series) {
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

std::string topicName(int t) { return "scale-" + std::to_string(t); }

TEST(Scale, ThousandPartitionsOverThreeDatanodesAndHundredGroups) {
  const auto test_started = Clock::now();
  ClusterOptions options;
  options.brokers = 3;
  options.datanodes = 3;
  options.metaserver_args = {"--lag-interval", "1s"};
  TestCluster cluster(options);
  std::cout << "cluster up in " << msSince(test_started) << " ms\n";

  // Metadata: create the topics (a table per partition on its datanode), describe them.
  std::vector<double> create_ms, describe_ms, list_ms;
  std::map<int, int> per_datanode;
  for (int t = 0; t < kTopics; ++t) {
    const auto start = Clock::now();
    auto info = cluster.createTopic(topicName(t), kPartitionsPerTopic);
    create_ms.push_back(msSince(start));
    ASSERT_EQ(info.partitions.size(), static_cast<size_t>(kPartitionsPerTopic));
    for (const auto& p : info.partitions) ++per_datanode[p.datanode_id];
  }
  ASSERT_EQ(per_datanode.size(), 3u);
  for (const auto& [datanode, count] : per_datanode) {
    EXPECT_GE(count, 300) << "placement spreads 1,000 partitions evenly (datanode " << datanode
                          << ")";
  }
  auto meta = cluster.metaClient();
  rpc::RequestHeader header;
  header.client_id = "scale";
  for (int i = 0; i < 30; ++i) {
    rpc::TopicInfo info;
    const auto start = Clock::now();
    (*meta)->describeTopic(info, header, topicName(i % kTopics));
    describe_ms.push_back(msSince(start));
    ASSERT_EQ(info.partitions.size(), static_cast<size_t>(kPartitionsPerTopic));
  }
  for (int i = 0; i < 10; ++i) {
    std::vector<rpc::TopicInfo> topics;
    const auto start = Clock::now();
    (*meta)->listTopics(topics, header);
    list_ms.push_back(msSince(start));
    ASSERT_EQ(topics.size(), static_cast<size_t>(kTopics));
  }

  // Data: a few messages in every partition; 100 groups, each committed on one topic.
  {
    ProducerConfig config;
    config.bootstrap_brokers = cluster.brokerAddresses();
    config.client_id = "scale-producer";
    Producer producer(config);
    const auto start = Clock::now();
    for (int t = 0; t < kTopics; ++t) {
      for (int p = 0; p < kPartitionsPerTopic; ++p) {
        for (int m = 0; m < kMessagesPerPartition; ++m) {
          producer.sendAsync(topicName(t), "m", std::nullopt, {}, p);
        }
      }
    }
    producer.flush();
    std::cout << "produced " << kTopics * kPartitionsPerTopic * kMessagesPerPartition
              << " messages to 1,000 partitions in " << msSince(start) << " ms\n";
  }
  std::vector<double> commit_ms;
  for (int g = 0; g < kGroups; ++g) {
    rpc::CommitOffsetsRequest request;
    request.header = header;
    request.group_id = "group-" + std::to_string(g);
    request.generation_id = -1;  // an admin commit: the group has no members
    for (int p = 0; p < kPartitionsPerTopic; ++p) {
      rpc::OffsetCommitPartition partition;
      partition.topic = topicName(g % kTopics);
      partition.partition = p;
      partition.offset = kCommitted;
      request.offsets.push_back(partition);
    }
    rpc::CommitOffsetsResponse response;
    const auto start = Clock::now();
    (*cluster.brokerClient(g % cluster.brokerCount()))->commitOffsets(response, request);
    commit_ms.push_back(msSince(start));
    ASSERT_EQ(response.error, rpc::ErrorCode::NONE) << response.error_message;
  }

  // Lag collection: cycles after the commits see every group's lag.
  const std::string lag_series =
      fmt::format("mq_consumer_group_lag{{group=\"group-{}\",topic=\"{}\",partition=\"{}\"}}",
                  kGroups - 1, topicName((kGroups - 1) % kTopics), kPartitionsPerTopic - 1);
  std::vector<double> cycle_ms;
  double cycle_queries = 0;
  double last_cycles = -1;
  std::optional<double> lag;
  const auto lag_deadline = Clock::now() + std::chrono::seconds(30);
  while (cycle_ms.size() < 4 && Clock::now() < lag_deadline) {
    const std::string page = metricsPage(cluster.metaserverHttpPort());
    auto cycles = metricValue(page, "mq_lag_collector_cycles_total{result=\"ok\"}");
    lag = metricValue(page, lag_series);
    if (lag && cycles && *cycles != last_cycles) {
      if (last_cycles >= 0) {
        cycle_ms.push_back(1000 * metricValue(page, "mq_lag_collector_cycle_seconds").value_or(0));
        cycle_queries = metricValue(page, "mq_lag_collector_cycle_queries").value_or(0);
      }
      last_cycles = *cycles;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(lag) << "the lag collector reports every group";
  EXPECT_EQ(*lag, kMessagesPerPartition - kCommitted);
  ASSERT_FALSE(cycle_ms.empty()) << "no lag collector cycle observed";

  // Rebalances: 4 members join a group on a 100-partition topic, then a 5th joins.
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Consumer>> members;
  std::vector<std::thread> pollers;
  std::mutex assignment_mutex;
  std::vector<std::vector<TopicPartition>> assignments(5);
  auto startMember = [&](int i) {
    ConsumerConfig config;
    config.bootstrap_brokers = cluster.brokerAddresses();
    config.client_id = "scale-member-" + std::to_string(i);
    config.group_id = "rebalancing";
    config.heartbeat_interval_ms = 500;
    config.session_timeout_ms = 10000;
    members.push_back(std::make_unique<Consumer>(config));
    Consumer* member = members.back().get();
    member->subscribe({topicName(0)});
    pollers.emplace_back([&, member, i] {
      while (!stop) {
        member->poll(std::chrono::milliseconds(100));
        std::lock_guard<std::mutex> lock(assignment_mutex);
        assignments[i] = member->assignment();
      }
    });
  };
  // Stable: every partition owned by exactly one of the first `count` members, each has some.
  auto stable = [&](int count) {
    std::lock_guard<std::mutex> lock(assignment_mutex);
    std::set<int> owned;
    size_t total = 0;
    for (int i = 0; i < count; ++i) {
      if (assignments[i].empty()) return false;
      total += assignments[i].size();
      for (const auto& tp : assignments[i]) owned.insert(tp.partition);
    }
    return total == static_cast<size_t>(kPartitionsPerTopic) &&
           owned.size() == static_cast<size_t>(kPartitionsPerTopic);
  };
  auto awaitStable = [&](int count) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!stable(count) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return stable(count);
  };
  auto start = Clock::now();
  for (int i = 0; i < 4; ++i) startMember(i);
  EXPECT_TRUE(awaitStable(4)) << "4 members share the 100 partitions";
  const double first_join_ms = msSince(start);
  start = Clock::now();
  startMember(4);
  EXPECT_TRUE(awaitStable(5)) << "the 5th member gets its share";
  const double rebalance_ms = msSince(start);
  stop = true;
  for (auto& poller : pollers) poller.join();
  for (auto& member : members) member->close();

  std::cout << "SCALE createTopic (100 partitions): " << summary(create_ms) << "\n"
            << "SCALE describeTopic (100 partitions): " << summary(describe_ms) << "\n"
            << "SCALE listTopics (10 topics, 1,000 partitions): " << summary(list_ms) << "\n"
            << "SCALE commitOffsets (100 partitions): " << summary(commit_ms) << "\n"
            << "SCALE lag collector cycle (1,000 partitions, 100 groups): " << summary(cycle_ms)
            << ", " << cycle_queries << " SQL statements\n"
            << "SCALE group of 4 formed on 100 partitions: " << first_join_ms << " ms\n"
            << "SCALE rebalance to 5 members (cooperative-sticky): " << rebalance_ms << " ms\n"
            << "SCALE whole test: " << msSince(test_started) << " ms\n";
}

}  // namespace
}  // namespace mq::test
