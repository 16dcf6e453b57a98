#include "tests/harness/produce_ledger.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {

void ProduceLedger::settle(std::vector<std::pair<std::string, std::future<SendResult>>>& pending) {
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

void produceUntil(TestCluster& cluster, const std::string& topic, int threads,
                  std::atomic<bool>& stop, ProduceLedger& ledger, bool keyless) {
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
        std::optional<std::string> key;
        if (!keyless) key = "key-" + std::to_string(i % 7);
        pending.emplace_back(value, producer.sendAsync(topic, value, key));
        ++ledger.sent;
        if (pending.size() >= 200) ledger.settle(pending);
      }
      producer.flush();
      ledger.settle(pending);
    });
  }
  for (auto& w : workers) w.join();
}

void producePaced(TestCluster& cluster, const std::string& topic, bool idempotent,
                  const std::string& prefix, int per_second, std::atomic<bool>& stop,
                  ProduceLedger& ledger) {
  ProducerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.client_id = prefix + "producer";
  config.enable_idempotence = idempotent;
  if (idempotent) config.producer_name = prefix + "producer";
  config.retries = 1000;
  config.retry_backoff_ms = 50;
  config.retry_backoff_max_ms = 500;
  config.request_timeout_ms = 5000;
  config.delivery_timeout_ms = 120000;
  config.linger_ms = 2;
  Producer producer(config);
  std::vector<std::pair<std::string, std::future<SendResult>>> pending;
  const auto pause = std::chrono::microseconds(1000000 / per_second);
  for (int i = 0; !stop; ++i) {
    std::string value = prefix + std::to_string(i);
    pending.emplace_back(value, producer.sendAsync(topic, value));
    ++ledger.sent;
    if (pending.size() >= 50) ledger.settle(pending);
    std::this_thread::sleep_for(pause);
  }
  producer.flush();
  ledger.settle(pending);
}

StopOnExit::~StopOnExit() {
  stop = true;
  for (auto& thread : threads) {
    if (thread.joinable()) thread.join();
  }
}

size_t missingFrom(ProduceLedger& ledger, const std::map<std::string, int>& seen) {
  std::lock_guard<std::mutex> lock(ledger.mutex);
  size_t count = 0;
  for (const auto& value : ledger.acked) count += seen.count(value) ? 0 : 1;
  return count;
}

std::map<int, int64_t> logEndOffsets(TestCluster& cluster, const std::string& topic, int partitions,
                                     int broker) {
  auto client = cluster.brokerClient(broker);
  rpc::ListOffsetsRequest request;
  for (int p = 0; p < partitions; ++p) {
    rpc::ListOffsetsPartition partition;
    partition.topic = topic;
    partition.partition = p;
    partition.spec = rpc::OffsetSpec::LATEST;
    request.partitions.push_back(partition);
  }
  // Right after a failover a partition may answer a retriable error (its datanode's pool
  // still reconnecting): ask again, for up to 30 s, until every partition has its end.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    rpc::ListOffsetsResponse response;
    (*client)->listOffsets(response, request);
    std::map<int, int64_t> ends;
    std::string problem;
    for (const auto& r : response.results) {
      if (r.error == rpc::ErrorCode::NONE) {
        ends[r.partition] = r.offset;
      } else if (problem.empty()) {
        problem = "partition " + std::to_string(r.partition) + ": " + r.error_message;
      }
    }
    if (problem.empty() && static_cast<int>(ends.size()) == partitions) return ends;
    if (std::chrono::steady_clock::now() >= deadline) {
      ADD_FAILURE() << "no log end of every partition of " << topic << " within 30 s (" << problem
                    << ")";
      return ends;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::map<std::pair<int, int64_t>, std::string> readLog(TestCluster& cluster,
                                                       const std::string& topic, int partitions,
                                                       int broker) {
  ConsumerConfig config;
  config.bootstrap_brokers = {cluster.brokerAddresses().at(broker)};
  config.client_id = "failover-consumer";
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < partitions; ++p) all.push_back(TopicPartition{topic, p});
  consumer.assign(all);
  consumer.seekToBeginning(all);
  // The log ends, to read up to exactly.
  int64_t stored = 0;
  for (const auto& [partition, end] : logEndOffsets(cluster, topic, partitions, broker)) {
    stored += end;
  }

  std::map<std::pair<int, int64_t>, std::string> log;
  int64_t read = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read < stored && std::chrono::steady_clock::now() < deadline) {
    for (auto& m : consumer.poll(std::chrono::milliseconds(300))) {
      ++read;
      log[{m.partition, m.offset}] = std::move(m.value);
    }
  }
  EXPECT_EQ(read, stored) << "the consumer read every stored message";
  return log;
}

std::map<std::string, int> consumeAll(TestCluster& cluster, const std::string& topic,
                                      int partitions, int broker) {
  std::map<std::string, int> seen;
  for (const auto& [position, value] : readLog(cluster, topic, partitions, broker)) ++seen[value];
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

}  // namespace mq::test
