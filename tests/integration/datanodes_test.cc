// Several datanodes, each on a MariaDB server of its own, behind three brokers: partitions
// spread over all of them; when one datanode's server is killed with -9 only its partitions
// fail, keyless producers route around them (every send acknowledged, every acknowledged
// message stored), keyed sends to its partitions fail visibly, and after its restart
// everything resumes with nothing lost.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "mq/partitioner.h"
#include "tests/harness/crashed_mariadb.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

using mq::client::Error;
using mq::client::partitionForKey;
using mq::client::Producer;
using mq::client::ProducerConfig;

namespace mq::test {
namespace {

constexpr int kPartitions = 6;

// A key whose partition is `partition`.
std::string keyFor(int partition) {
  for (int i = 0;; ++i) {
    std::string key = "k" + std::to_string(i);
    if (partitionForKey(key, kPartitions) == partition) return key;
  }
}

ProducerConfig producerConfig(TestCluster& cluster, int64_t delivery_timeout_ms) {
  ProducerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.client_id = "datanodes-test";
  config.retry_backoff_ms = 50;
  config.retry_backoff_max_ms = 300;
  config.retries = 1000;
  config.request_timeout_ms = 5000;
  config.delivery_timeout_ms = delivery_timeout_ms;
  return config;
}

// Acknowledged positions per partition (partition -> count) recorded by the ledger.
std::map<int, int> ackedPerPartition(ProduceLedger& ledger) {
  std::lock_guard<std::mutex> lock(ledger.mutex);
  std::map<int, int> counts;
  for (const auto& [value, where] : ledger.where) ++counts[where.first];
  return counts;
}

TEST(Datanodes, DeadDatanodeFailsOnlyItsPartitionsAndKeylessProducersRouteAround) {
  ClusterOptions options;
  options.brokers = 3;
  options.datanodes = 3;
  options.mariadb_per_datanode = true;
  TestCluster cluster(options);
  rpc::TopicInfo topic = cluster.createTopic("spread", kPartitions);

  // Placement spreads the partitions over every datanode.
  std::map<int, std::set<int>> partitions_of;  // datanode id -> partitions
  for (const auto& partition : topic.partitions) {
    partitions_of[partition.datanode_id].insert(partition.partition);
  }
  ASSERT_EQ(partitions_of.size(), 3u) << "partitions on every datanode";
  std::vector<rpc::DatanodeInfo> datanodes;
  (*cluster.metaClient())->listDatanodes(datanodes, rpc::RequestHeader());
  const int dead_id = topic.partitions.at(0).datanode_id;
  int dead_index = -1;
  for (const auto& node : datanodes) {
    if (node.id == dead_id) dead_index = std::stoi(node.name.substr(2));  // "dnK"
  }
  ASSERT_GE(dead_index, 0);
  const std::set<int> dead_partitions = partitions_of[dead_id];
  const int dead_partition = *dead_partitions.begin();
  int live_partition = 0;
  while (dead_partitions.count(live_partition)) ++live_partition;

  ProduceLedger ledger;  // keyless producers, the whole run
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  StopOnExit joiner{stop, load};
  load.emplace_back([&] { produceUntil(cluster, "spread", 2, stop, ledger, /*keyless=*/true); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto before_crash = ackedPerPartition(ledger);
  for (int p : dead_partitions) {
    EXPECT_GT(before_crash.count(p) ? before_crash.at(p) : 0, 0)
        << "keyless messages reached partition " << p << " before the crash";
  }

  cluster.datanodeMariadb(dead_index).crash();
  const auto crashed_at = std::chrono::steady_clock::now();

  // Keyed sends to the dead datanode's partition fail visibly (within their delivery
  // timeout); keyed sends to a live partition are acknowledged.
  {
    Producer keyed(producerConfig(cluster, 3000));
    bool failed = false;
    try {
      keyed.send("spread", "to-the-dead", keyFor(dead_partition));
    } catch (const Error& e) {
      failed = true;
      std::cout << "keyed send to the dead partition: " << e.what() << "\n";
      EXPECT_NE(std::string(e.what()).find("datanode"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(failed) << "a keyed send to a dead partition must fail, not vanish";
    auto sent = keyed.send("spread", "to-the-living", keyFor(live_partition));
    EXPECT_EQ(sent.partition, live_partition);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto during_outage = ackedPerPartition(ledger);
  int acked_in_outage = 0;
  for (const auto& [partition, count] : during_outage) {
    int before = before_crash.count(partition) ? before_crash.at(partition) : 0;
    if (!dead_partitions.count(partition)) acked_in_outage += count - before;
  }
  EXPECT_GT(acked_in_outage, 500) << "keyless producing went on over the live datanodes";
  std::cout << "acknowledged on live partitions during the outage: " << acked_in_outage << " in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - crashed_at)
                   .count()
            << " ms\n";

  MQ_RESTART_CRASHED_MARIADB(cluster.datanodeMariadb(dead_index).start());
  // A keyed send to the restarted datanode's partition goes through again.
  {
    Producer keyed(producerConfig(cluster, 60000));
    auto sent = keyed.send("spread", "after-restart", keyFor(dead_partition));
    EXPECT_EQ(sent.partition, dead_partition);
    EXPECT_GE(sent.offset, 0);
  }
  // Keyless producers come back to its partitions once they stop avoiding them.
  const auto after_restart = ackedPerPartition(ledger);
  bool resumed = false;
  for (int i = 0; i < 100 && !resumed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto now = ackedPerPartition(ledger);
    resumed = true;
    for (int p : dead_partitions) {
      int then = after_restart.count(p) ? after_restart.at(p) : 0;
      if ((now.count(p) ? now.at(p) : 0) <= then) resumed = false;
    }
  }
  EXPECT_TRUE(resumed) << "keyless messages reach the restarted datanode's partitions again";
  stop = true;
  load.front().join();

  EXPECT_TRUE(ledger.failed.empty())
      << ledger.failed.size() << " keyless sends failed: they should have moved on";
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "spread", kPartitions, 0));
}

}  // namespace
}  // namespace mq::test
