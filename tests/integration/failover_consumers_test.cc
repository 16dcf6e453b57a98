// Consumers follow an automatic datanode failover (issue 22): while 2 producers write, a
// consumer group of the mq client library (tests/tools/group_consumer, the Thrift door) and an
// unmodified confluent-kafka consumer group (tests/kafka/group_member.py, the Kafka door)
// consume the same topic; the datanode's primary is killed -9 and the metaserver fails it
// over to its semi-sync replica by itself. Both groups go on consuming from the new primary
// without being restarted or told anything. Afterwards, by (partition, offset) against every
// stored message: none skipped by either group, and duplicates only as documented (a member
// re-reads from its group's committed offset after a rebalance; without a rebalance, none).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/harness/group_member.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

namespace mq::test {
namespace {

using Clock = std::chrono::steady_clock;
using Position = std::pair<int, int64_t>;

constexpr int kPartitions = 4;

int64_t msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

int recordedPort(TestCluster& cluster) {
  std::vector<rpc::DatanodeInfo> datanodes;
  (*cluster.metaClient())->listDatanodes(datanodes, cluster.header());
  return datanodes.at(0).port;
}

// What one group consumed: position -> deliveries.
struct Deliveries {
  std::map<Position, int> times;
  int total = 0;
  void add(int partition, int64_t offset) {
    ++times[{partition, offset}];
    ++total;
  }
  int duplicates() const { return total - static_cast<int>(times.size()); }
};

// The Kafka member's output: "partition offset key" per message.
Deliveries kafkaDeliveries(const std::string& path) {
  Deliveries out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    int partition = -1;
    int64_t offset = -1;
    if (fields >> partition >> offset) out.add(partition, offset);
  }
  return out;
}

Deliveries memberDeliveries(const std::vector<const Member*>& members) {
  Deliveries out;
  for (const Member* m : members) {
    for (const auto& e : m->events()) {
      if (e.kind == "consumed" && e.fields.size() >= 3) {
        out.add(std::stoi(e.fields[1]), std::stoll(e.fields[2]));
      }
    }
  }
  return out;
}

// Rebalances a member process logged (revoked or lost partitions).
int memberRebalances(const std::vector<const Member*>& members) {
  int n = 0;
  for (const Member* m : members) {
    for (const auto& e : m->events()) n += e.kind == "revoked" || e.kind == "lost";
  }
  return n;
}

int kafkaRebalances(const std::string& stderr_path) {
  std::ifstream in(stderr_path);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind("revoked", 0) == 0;
  return n;
}

bool kafkaAssigned(const std::string& stderr_path) {
  std::ifstream in(stderr_path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("assigned [", 0) == 0 && line != "assigned []") return true;
  }
  return false;
}

size_t skipped(const std::set<Position>& stored, const Deliveries& consumed) {
  size_t n = 0;
  for (const auto& position : stored) n += consumed.times.count(position) == 0;
  return n;
}

TEST(FailoverConsumers, ThriftAndKafkaGroupsConsumeAcrossAnAutomaticDatanodeFailover) {
  ClusterOptions options;
  options.brokers = 2;
  options.datanodes = 1;
  options.mariadb_per_datanode = true;
  options.datanode_replicas = true;
  options.kafka = true;
  TestCluster cluster(options);
  cluster.createTopic("orders", kPartitions);
  MariadbInstance& primary = cluster.datanodeMariadb(0);
  MariadbInstance& replica = cluster.datanodeReplica(0);
  std::string out, err;
  ASSERT_EQ(
      cluster.mqctl({"datanode", "add-replica", "dn0", fmt::format("127.0.0.1:{}", replica.port())},
                    &out, &err),
      0)
      << out << err;

  // The library's group: two member processes.
  std::vector<std::unique_ptr<Member>> members;
  members.push_back(std::make_unique<Member>("member-a", cluster, "thrift-group", "orders"));
  members.push_back(std::make_unique<Member>("member-b", cluster, "thrift-group", "orders"));
  std::vector<const Member*> member_list;
  for (auto& m : members) member_list.push_back(m.get());
  // The Kafka group: one confluent-kafka consumer through broker 1's Kafka listener, auto
  // commit every second.
  const std::string kafka_out = cluster.logDir() + "/kafka-member.out";
  const std::string kafka_log = cluster.logDir() + "/kafka-member.log";
  std::remove(kafka_out.c_str());
  ChildProcess kafka_member;
  kafka_member.start(
      {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/group_member.py",
       "--bootstrap", fmt::format("127.0.0.1:{}", cluster.kafkaPort(1)), "--group", "kafka-group",
       "--topic", "orders", "--out", kafka_out, "--idle-s", "60", "--max-s", "300"},
      kafka_log);

  // Producing starts once both groups are formed, so the rebalances counted below are the
  // ones after the start (if the failover caused any).
  ASSERT_TRUE(waitFor(
      [&] {
        return !members[0]->owned().empty() && !members[1]->owned().empty() &&
               members[0]->owned().size() + members[1]->owned().size() == kPartitions &&
               kafkaAssigned(kafka_log);
      },
      std::chrono::seconds(90)))
      << "the groups did not form; see " << kafka_log;
  const int thrift_rebalances_at_start = memberRebalances(member_list);
  const int kafka_rebalances_at_start = kafkaRebalances(kafka_log);

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "orders", 2, stop, ledger); });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Join() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } join{stop, load};

  // Both groups consume before the kill.
  ASSERT_TRUE(waitFor(
      [&] {
        return memberDeliveries(member_list).total >= 500 &&
               kafkaDeliveries(kafka_out).total >= 500;
      },
      std::chrono::seconds(90)))
      << "the groups did not start consuming; see " << kafka_log;
  const int thrift_before = memberDeliveries(member_list).total;
  const int kafka_before = kafkaDeliveries(kafka_out).total;

  const auto killed_at = Clock::now();
  primary.crash();
  ASSERT_TRUE(
      waitFor([&] { return recordedPort(cluster) == replica.port(); }, std::chrono::seconds(60)))
      << "the metaserver did not fail over by itself";
  const int64_t failed_over_ms = msSince(killed_at);
  // Both groups consume what is written to the new primary.
  const size_t acked_after = ledger.ackedCount() + 300;
  ASSERT_TRUE(waitFor([&] { return ledger.ackedCount() >= acked_after; }, std::chrono::seconds(60)))
      << "producing did not resume";
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  load.join();

  const auto stored_messages = readTopicThroughThrift(cluster, "orders", kPartitions, 0);
  std::set<Position> stored;
  std::map<std::string, int> values;
  for (const auto& m : stored_messages) {
    stored.insert({m.partition, m.message.offset});
    ++values[m.message.value];
  }
  expectNothingAcknowledgedLost(ledger, values);

  // Every stored message reaches both groups.
  const bool thrift_done =
      waitFor([&] { return skipped(stored, memberDeliveries(member_list)) == 0; },
              std::chrono::seconds(90));
  const bool kafka_done = waitFor([&] { return skipped(stored, kafkaDeliveries(kafka_out)) == 0; },
                                  std::chrono::seconds(90));
  const Deliveries thrift = memberDeliveries(member_list);
  const Deliveries kafka = kafkaDeliveries(kafka_out);
  const int thrift_rebalances = memberRebalances(member_list) - thrift_rebalances_at_start;
  const int kafka_rebalances = kafkaRebalances(kafka_log) - kafka_rebalances_at_start;
  std::cout << fmt::format(
      "[ measured ] failed over {} ms after the kill; {} stored; thrift group: {} deliveries "
      "({} before the kill), {} skipped, {} duplicates, {} rebalances; kafka group: {} "
      "deliveries ({} before the kill), {} skipped, {} duplicates, {} rebalances\n",
      failed_over_ms, stored.size(), thrift.total, thrift_before, skipped(stored, thrift),
      thrift.duplicates(), thrift_rebalances, kafka.total, kafka_before, skipped(stored, kafka),
      kafka.duplicates(), kafka_rebalances);
  EXPECT_TRUE(thrift_done) << skipped(stored, thrift) << " stored messages never consumed by "
                           << "the library's group";
  EXPECT_TRUE(kafka_done) << skipped(stored, kafka) << " stored messages never consumed by the "
                          << "Kafka group; see " << kafka_log;
  EXPECT_GT(thrift.total, thrift_before) << "the library's group consumed after the failover";
  EXPECT_GT(kafka.total, kafka_before) << "the Kafka group consumed after the failover";
  // Nothing consumed that is not stored (an unacknowledged write of the dead primary).
  for (const auto& [position, count] : thrift.times) {
    EXPECT_TRUE(stored.count(position)) << "thrift consumed " << position.first << "/"
                                        << position.second << ", which is not stored";
  }
  for (const auto& [position, count] : kafka.times) {
    EXPECT_TRUE(stored.count(position))
        << "kafka consumed " << position.first << "/" << position.second << ", not stored";
  }
  // Duplicates only from re-reading after a rebalance (from the committed offset): a failover
  // by itself makes none.
  if (thrift_rebalances == 0) {
    EXPECT_EQ(thrift.duplicates(), 0);
  }
  if (kafka_rebalances == 0) {
    EXPECT_EQ(kafka.duplicates(), 0);
  }
  expectNoDoubleOwnership(member_list);
  for (auto& m : members) m->stop();
  kafka_member.stop(15000);
}

}  // namespace
}  // namespace mq::test
