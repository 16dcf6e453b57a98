// Failures under load, with the real client library: a broker killed with SIGKILL, the
// database crashed and restarted. Every acknowledged message must be consumed afterwards;
// every message that was not acknowledged must have failed visibly (no silent drop).
// Duplicates are allowed (at-least-once without the idempotent producer) and counted.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "mq/client.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

struct ProduceLedger {
  std::mutex mutex;
  std::set<std::string> acked;
  std::map<std::string, std::pair<int, int64_t>> where;  // value -> acknowledged position
  std::set<std::string> failed;
  std::atomic<int> sent{0};

  // Waits for every pending send and records its outcome; clears `pending`.
  void settle(std::vector<std::pair<std::string, std::future<SendResult>>>& pending) {
    for (auto& [value, future] : pending) {
      try {
        auto result = future.get();
        std::lock_guard<std::mutex> lock(mutex);
        acked.insert(value);
        where[value] = {result.partition, result.offset};
      } catch (const Error&) {
        std::lock_guard<std::mutex> lock(mutex);
        failed.insert(value);
      }
    }
    pending.clear();
  }
};

// Producer threads send keyed messages until `stop`; the ledger records every outcome.
void produceUntil(TestCluster& cluster, const std::string& topic, int threads,
                  std::atomic<bool>& stop, ProduceLedger& ledger) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ProducerConfig config;
      config.bootstrap_brokers = cluster.brokerAddresses();
      config.client_id = "failover-producer-" + std::to_string(t);
      config.retries = 50;
      config.retry_backoff_ms = 50;
      config.retry_backoff_max_ms = 500;
      config.request_timeout_ms = 5000;
      config.linger_ms = 2;
      Producer producer(config);
      std::vector<std::pair<std::string, std::future<SendResult>>> pending;
      for (int i = 0; !stop; ++i) {
        std::string value = "t" + std::to_string(t) + "-" + std::to_string(i);
        pending.emplace_back(value,
                             producer.sendAsync(topic, value, "key-" + std::to_string(i % 7)));
        ++ledger.sent;
        if (pending.size() >= 200) ledger.settle(pending);
      }
      producer.flush();
      ledger.settle(pending);
    });
  }
  for (auto& w : workers) w.join();
}

// Reads every partition from the start to its end; returns value -> times seen.
std::map<std::string, int> consumeAll(TestCluster& cluster, const std::string& topic,
                                      int partitions, int broker) {
  ConsumerConfig config;
  config.bootstrap_brokers = {cluster.brokerAddresses().at(broker)};
  config.client_id = "failover-consumer";
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < partitions; ++p) all.push_back(TopicPartition{topic, p});
  consumer.assign(all);
  consumer.seekToBeginning(all);
  // The log ends, to read up to exactly.
  auto broker_client = cluster.brokerClient(broker);
  rpc::ListOffsetsRequest request;
  for (int p = 0; p < partitions; ++p) {
    rpc::ListOffsetsPartition lp;
    lp.topic = topic;
    lp.partition = p;
    lp.spec = rpc::OffsetSpec::LATEST;
    request.partitions.push_back(lp);
  }
  rpc::ListOffsetsResponse ends;
  (*broker_client)->listOffsets(ends, request);
  int64_t stored = 0;
  for (const auto& r : ends.results) stored += r.offset;

  std::map<std::string, int> seen;
  int64_t read = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read < stored && std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : consumer.poll(std::chrono::milliseconds(300))) {
      ++read;
      ++seen[m.value];
    }
  }
  EXPECT_EQ(read, stored) << "the consumer read every stored message";
  return seen;
}

void expectNothingAcknowledgedLost(ProduceLedger& ledger, const std::map<std::string, int>& seen) {
  EXPECT_EQ(static_cast<size_t>(ledger.sent.load()), ledger.acked.size() + ledger.failed.size())
      << "every message was either acknowledged or failed visibly";
  int lost = 0;
  for (const auto& value : ledger.acked) {
    if (!seen.count(value)) {
      if (++lost <= 5) {
        std::cout << "lost " << value << " acknowledged at partition " << ledger.where[value].first
                  << " offset " << ledger.where[value].second << "\n";
      }
    }
  }
  int duplicates = 0;
  for (const auto& [value, count] : seen) duplicates += count - 1;
  EXPECT_EQ(lost, 0) << "acknowledged messages missing from the topic";
  std::cout << "sent " << ledger.sent << ", acknowledged " << ledger.acked.size() << ", failed "
            << ledger.failed.size() << ", consumed " << seen.size() << " distinct, duplicates "
            << duplicates << "\n";
}

TEST(Failover, BrokerKilledWhileProducingLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("payments", 4);
  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "payments", 4, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  cluster.broker(0).signal(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  load.join();
  ASSERT_GT(ledger.acked.size(), 1000u) << "the load kept going through the survivor";
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "payments", 4, /*broker=*/1));
}

TEST(Failover, DatabaseCrashAndRestartUnderLoadLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.private_mariadb = true;
  TestCluster cluster(options);
  cluster.createTopic("ledger", 2);
  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "ledger", 2, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  size_t before_crash = ledger.acked.size();
  cluster.crashMariadb();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  cluster.startMariadb();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  stop = true;
  load.join();
  {
    std::lock_guard<std::mutex> lock(ledger.mutex);
    EXPECT_GT(ledger.acked.size(), before_crash) << "producers recovered after the restart";
  }
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "ledger", 2, 0));
}

}  // namespace
}  // namespace mq::test
