// mq::client::Producer with enable_idempotence against real brokers: a batch retried after its
// reply was lost is stored once (and twice without idempotence), a newer instance of a named
// producer fences the older one, and a lost sequence is a clear error the producer recovers
// from.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "common/clock.h"
#include "mq/client.h"
#include "tests/harness/reply_dropping_proxy.h"
#include "tests/harness/test_cluster.h"

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

using namespace std::chrono_literals;

ProducerConfig producerConfig(const std::string& broker, bool idempotent) {
  ProducerConfig config;
  config.bootstrap_brokers = {broker};
  config.enable_idempotence = idempotent;
  config.linger_ms = 5;
  config.batch_size = 20;
  config.request_timeout_ms = 5000;
  config.retry_backoff_ms = 10;
  config.retry_backoff_max_ms = 50;
  return config;
}

// Values per partition, in offset order.
std::map<int, std::vector<std::string>> readAll(TestCluster& cluster, const std::string& topic,
                                                int partitions, size_t at_least) {
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < partitions; ++p) all.push_back({topic, p});
  consumer.assign(all);
  std::map<int, std::vector<std::string>> out;
  size_t count = 0;
  auto deadline = SteadyClock::now() + 10s;
  auto settle = SteadyClock::time_point::max();
  while (SteadyClock::now() < std::min(deadline, settle)) {
    for (const auto& m : consumer.poll(100ms)) {
      out[m.partition].push_back(m.value);
      ++count;
    }
    if (count >= at_least && settle == SteadyClock::time_point::max()) {
      settle = SteadyClock::now() + 300ms;
    }
  }
  return out;
}

// Sends 200 keyed messages through a proxy that loses the replies of the first 3 produce
// calls; returns what the topic holds.
std::map<int, std::vector<std::string>> sendThroughLossyLink(TestCluster& cluster, bool idempotent,
                                                             int* dropped) {
  ReplyDroppingProxy proxy(cluster.brokerPort(0), 3);
  Producer producer(producerConfig(fmt::format("127.0.0.1:{}", proxy.port()), idempotent));
  std::vector<std::future<SendResult>> futures;
  for (int i = 0; i < 200; ++i) {
    futures.push_back(
        producer.sendAsync("events", fmt::format("m{:03}", i), fmt::format("k{}", i % 5)));
  }
  producer.flush();
  for (auto& f : futures) EXPECT_NO_THROW(f.get());
  producer.close();
  *dropped = proxy.dropped();
  return readAll(cluster, "events", 2, 200);
}

TEST(IdempotentProducer, BatchRetriedAfterALostReplyIsStoredOnce) {
  TestCluster cluster;
  cluster.createTopic("events", 2);
  int dropped = 0;
  auto stored = sendThroughLossyLink(cluster, true, &dropped);
  EXPECT_EQ(dropped, 3);
  size_t total = 0;
  for (const auto& [partition, values] : stored) {
    total += values.size();
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()))
        << "partition " << partition << " keeps the send order";
    EXPECT_EQ(std::adjacent_find(values.begin(), values.end()), values.end())
        << "partition " << partition << " holds a duplicate";
  }
  EXPECT_EQ(total, 200u);
}

TEST(IdempotentProducer, WithoutIdempotenceTheSameLostReplyStoresTheBatchTwice) {
  TestCluster cluster;
  cluster.createTopic("events", 2);
  int dropped = 0;
  auto stored = sendThroughLossyLink(cluster, false, &dropped);
  EXPECT_EQ(dropped, 3);
  size_t total = 0;
  for (const auto& [partition, values] : stored) total += values.size();
  EXPECT_GT(total, 200u) << "at-least-once: the retried batches were stored again";
}

TEST(IdempotentProducer, NewerInstanceWithTheSameNameFencesTheOlder) {
  TestCluster cluster;
  cluster.createTopic("events", 1);
  ProducerConfig config = producerConfig(cluster.brokerAddresses()[0], true);
  config.producer_name = "billing";
  Producer older(config);
  older.send("events", "from the older");
  Producer newer(config);
  newer.send("events", "from the newer");
  try {
    older.send("events", "zombie write");
    FAIL() << "the older instance must be fenced";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::PRODUCER_FENCED) << e.what();
    EXPECT_FALSE(e.retriable());
  }
  EXPECT_THROW(older.sendAsync("events", "later"), Error);
  newer.send("events", "still fine");
  auto stored = readAll(cluster, "events", 1, 3);
  EXPECT_EQ(stored[0],
            (std::vector<std::string>{"from the older", "from the newer", "still fine"}));
}

TEST(IdempotentProducer, LostSequenceIsAClearErrorAndTheProducerGoesOn) {
  TestCluster cluster;
  cluster.createTopic("events", 1);
  Producer producer(producerConfig(cluster.brokerAddresses()[0], true));
  producer.send("events", "a");
  // The broker forgets the producer's state (e.g. a restored datanode backup): the next
  // sequence (1) does not follow anything it knows.
  DbPool datanode(cluster.datanodeDb(0), DbPoolOptions{});
  datanode.acquire()->execute("DELETE FROM mq_producer_state");
  try {
    producer.send("events", "b");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::OUT_OF_ORDER_SEQUENCE) << e.what();
    EXPECT_NE(std::string(e.what()).find("events-0"), std::string::npos) << e.what();
  }
  producer.send("events", "c");  // a renewed identity starts at sequence 0
  auto stored = readAll(cluster, "events", 1, 2);
  EXPECT_EQ(stored[0], (std::vector<std::string>{"a", "c"}));
}

}  // namespace
}  // namespace mq::test
