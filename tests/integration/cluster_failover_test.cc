// Client cluster failover (ClientConfig::clusters, docs/multi-cluster.md) between two complete
// clusters on this machine: every broker of the preferred cluster is killed -9 under a
// failover producer, which moves to the second cluster and back once the brokers return;
// afterwards both clusters are read in full and every acknowledged message must be in the
// cluster that acknowledged it, once, and in no other.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "mq/client.h"
#include "tests/harness/eventually.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/thread_names.h"

using mq::client::ClusterAddress;
using mq::client::ClusterConsumer;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::OffsetReset;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;

namespace mq::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What became of every send: acknowledged by which cluster, failed, or refused at once.
struct Outcomes {
  std::mutex mutex;
  std::map<std::string, std::string> acked;  // value -> cluster
  std::set<std::string> failed;
  std::set<std::string> refused;  // sendAsync threw: never accepted
  std::map<std::string, int> acks_by_cluster;
  int64_t sent = 0;
  // Acknowledgements of messages sent after `mark` (an index), per cluster.
  std::atomic<int64_t> mark{INT64_MAX};
  std::map<std::string, int> acks_after_mark;
  std::optional<Clock::time_point> first_ack_of_b;

  int ackedBy(const std::string& cluster) {
    std::lock_guard<std::mutex> lock(mutex);
    return acks_by_cluster[cluster];
  }
  int ackedAfterMark(const std::string& cluster) {
    std::lock_guard<std::mutex> lock(mutex);
    return acks_after_mark[cluster];
  }
};

int64_t indexOf(const std::string& value) { return std::stoll(value.substr(1)); }

TEST(ClusterFailover, ProducerMovesToTheNextClusterWhenEveryBrokerDiesAndComesBack) {
  ClusterOptions two_brokers;
  two_brokers.brokers = 2;
  TestCluster a(two_brokers);
  TestCluster b;
  a.createTopic("events", 4);
  b.createTopic("events", 4);

  ProducerConfig config;
  config.clusters = {ClusterAddress{"a", {}, a.metaserverAddress(), ""},
                     ClusterAddress{"b", {}, b.metaserverAddress(), ""}};
  config.cluster_failover_ms = 3000;
  config.cluster_failback_ms = 4000;
  config.cluster_probe_interval_ms = 500;
  config.client_id = "cluster-failover-test";
  config.enable_idempotence = true;
  config.linger_ms = 2;
  config.request_timeout_ms = 3000;
  config.retry_backoff_ms = 50;
  config.retry_backoff_max_ms = 500;
  config.delivery_timeout_ms = 10000;
  config.max_block_ms = 3000;
  Producer producer(config);
  ASSERT_EQ(producer.cluster(), "a");

  // A group consumer that follows: it reads both clusters all along.
  ConsumerConfig follower_config;
  follower_config.clusters = config.clusters;
  follower_config.group_id = "followers";
  follower_config.client_id = "cluster-failover-test-follower";
  follower_config.auto_offset_reset = OffsetReset::kEarliest;
  follower_config.request_timeout_ms = 3000;
  follower_config.retry_backoff_max_ms = 500;
  ClusterConsumer follower(follower_config);
  follower.subscribe({"events"});
  std::mutex followed_mutex;
  std::map<std::string, int> followed;                  // value -> times consumed
  std::map<std::string, std::string> followed_cluster;  // value -> where it was read
  std::atomic<bool> stop_following{false};
  std::atomic<int64_t> followed_from_b{0};
  std::vector<std::thread> following;
  StopOnExit join_following{stop_following, following};
  following.emplace_back([&] {
    while (!stop_following) {
      for (const auto& m : follower.poll(200ms)) {
        std::lock_guard<std::mutex> lock(followed_mutex);
        ++followed[m.value];
        followed_cluster[m.value] = m.cluster;
        if (m.cluster == "b") ++followed_from_b;
      }
    }
  });

  Outcomes outcomes;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int64_t i = 0; !stop; ++i) {
      ProducerRecord record;
      record.topic = "events";
      record.key = "k" + std::to_string(i % 16);
      record.value = "m" + std::to_string(i);
      const std::string value = record.value;
      try {
        producer.sendAsync(std::move(record), [&, value](const SendResult* r, const Error*) {
          std::lock_guard<std::mutex> lock(outcomes.mutex);
          if (!r) {
            outcomes.failed.insert(value);
            return;
          }
          outcomes.acked[value] = r->cluster;
          ++outcomes.acks_by_cluster[r->cluster];
          if (indexOf(value) > outcomes.mark) ++outcomes.acks_after_mark[r->cluster];
          if (r->cluster == "b" && !outcomes.first_ack_of_b) outcomes.first_ack_of_b = Clock::now();
        });
      } catch (const Error&) {
        std::lock_guard<std::mutex> lock(outcomes.mutex);
        outcomes.refused.insert(value);
      }
      {
        std::lock_guard<std::mutex> lock(outcomes.mutex);
        outcomes.sent = i + 1;
      }
      if (i % 10 == 9) std::this_thread::sleep_for(2ms);  // at most about 5,000 a second
    }
  });
  auto sentSoFar = [&] {
    std::lock_guard<std::mutex> lock(outcomes.mutex);
    return outcomes.sent;
  };

  ASSERT_TRUE(eventually(30s, [&] { return outcomes.ackedBy("a") >= 2000; }));
  EXPECT_EQ(outcomes.ackedBy("b"), 0);

  // Every broker of cluster a dies.
  const auto killed = Clock::now();
  for (int i = 0; i < a.brokerCount(); ++i) {
    a.broker(i).signal(SIGKILL);
    a.broker(i).wait(10000);
  }
  ASSERT_TRUE(eventually(60s, [&] { return outcomes.ackedBy("b") >= 2000; }))
      << "the producer did not move to cluster b";
  EXPECT_EQ(producer.cluster(), "b");
  const double unavailable_s = [&] {
    std::lock_guard<std::mutex> lock(outcomes.mutex);
    return std::chrono::duration<double>(*outcomes.first_ack_of_b - killed).count();
  }();

  // The follower reads what b acknowledges while a is down.
  EXPECT_TRUE(eventually(30s, [&] { return followed_from_b >= 1000; }))
      << "the following consumer read " << followed_from_b << " of b's messages while a was down";
  const int64_t followed_during_outage = followed_from_b;

  // They come back: new messages go to a again.
  for (int i = 0; i < a.brokerCount(); ++i) a.restartBroker(i);
  const auto restarted = Clock::now();
  outcomes.mark = sentSoFar();
  ASSERT_TRUE(eventually(60s, [&] { return outcomes.ackedAfterMark("a") >= 2000; }))
      << "the producer did not move back to cluster a";
  const double failback_s = std::chrono::duration<double>(Clock::now() - restarted).count();
  EXPECT_EQ(producer.cluster(), "a");

  stop = true;
  writer.join();
  producer.close();

  const auto in_a = consumeAll(a, "events", 4, 0);
  const auto in_b = consumeAll(b, "events", 4, 0);

  // The follower read every acknowledged message, from the cluster that acknowledged it.
  std::map<std::string, std::string> acked_copy;
  {
    std::lock_guard<std::mutex> lock(outcomes.mutex);
    acked_copy = outcomes.acked;
  }
  auto followedAll = [&] {
    std::lock_guard<std::mutex> lock(followed_mutex);
    for (const auto& [value, cluster] : acked_copy) {
      if (!followed.count(value)) return false;
    }
    return true;
  };
  EXPECT_TRUE(eventually(60s, followedAll));
  stop_following = true;
  following[0].join();
  follower.commitSync();
  follower.close();
  {
    std::lock_guard<std::mutex> lock(followed_mutex);
    int64_t not_followed = 0, wrong_cluster = 0, followed_twice = 0;
    for (const auto& [value, cluster] : acked_copy) {
      if (!followed.count(value)) {
        ++not_followed;
      } else if (followed_cluster[value] != cluster) {
        ++wrong_cluster;
      }
    }
    for (const auto& [value, n] : followed) followed_twice += n > 1;
    std::cout << "following consumer: read " << followed.size() << " distinct messages ("
              << followed_during_outage << " of b's while a was down), " << followed_twice
              << " read more than once, " << not_followed << " acknowledged ones not read"
              << std::endl;
    EXPECT_EQ(not_followed, 0) << "acknowledged messages the following consumer never read";
    EXPECT_EQ(wrong_cluster, 0) << "messages read from a cluster that did not acknowledge them";
  }

  std::lock_guard<std::mutex> lock(outcomes.mutex);
  EXPECT_EQ(static_cast<int64_t>(outcomes.acked.size() + outcomes.failed.size() +
                                 outcomes.refused.size()),
            outcomes.sent)
      << "every send is acknowledged, failed or refused";
  auto count = [](const std::map<std::string, int>& seen, const std::string& value) {
    auto it = seen.find(value);
    return it == seen.end() ? 0 : it->second;
  };
  int64_t missing = 0, misplaced = 0, duplicated = 0, failed_stored = 0, refused_stored = 0,
          unknown = 0;
  for (const auto& [value, cluster] : outcomes.acked) {
    const int here = count(cluster == "a" ? in_a : in_b, value);
    const int there = count(cluster == "a" ? in_b : in_a, value);
    if (here == 0) ++missing;
    if (there > 0) ++misplaced;
    if (here + there > 1) ++duplicated;
  }
  for (const auto& value : outcomes.failed) {
    if (count(in_a, value) + count(in_b, value) > 0) ++failed_stored;
    if (count(in_a, value) + count(in_b, value) > 1) ++duplicated;
  }
  for (const auto& value : outcomes.refused)
    refused_stored += count(in_a, value) + count(in_b, value);
  for (const auto* seen : {&in_a, &in_b}) {
    for (const auto& [value, n] : *seen) {
      if (!outcomes.acked.count(value) && !outcomes.failed.count(value)) unknown += n;
    }
  }
  std::cout << "sent " << outcomes.sent << ", acknowledged by a " << outcomes.acks_by_cluster["a"]
            << ", by b " << outcomes.acks_by_cluster["b"] << ", failed " << outcomes.failed.size()
            << " (stored anyway " << failed_stored << "), refused " << outcomes.refused.size()
            << "; stored in a " << in_a.size() << ", in b " << in_b.size() << "; writes back "
            << unavailable_s << " s after the kill (on b), back on a " << failback_s
            << " s after the restart" << std::endl;
  EXPECT_EQ(missing, 0) << "acknowledged messages missing from the cluster that acknowledged them";
  EXPECT_EQ(misplaced, 0) << "acknowledged messages also stored in the other cluster";
  EXPECT_EQ(duplicated, 0) << "messages stored more than once";
  EXPECT_EQ(refused_stored, 0) << "sends refused at once were stored";
  EXPECT_EQ(unknown, 0) << "stored messages that were never sent";
  EXPECT_GT(outcomes.acks_by_cluster["b"], 0);
}

// The failover clients' own threads (a producer's prober, a consumer's reader per cluster)
// are named, and end with their client; they start before any cluster answers.
TEST(ClusterFailover, TheFailoverClientsThreadsAreNamedAndEndWithThem) {
  const std::vector<ClusterAddress> clusters = {ClusterAddress{"a", {"127.0.0.1:1"}, "", ""},
                                                ClusterAddress{"b", {"127.0.0.1:2"}, "", ""}};
  const long probes_before = threadsNamed("mq-probe");
  const long readers_before = threadsNamed("mq-cluster-read");
  {
    ProducerConfig config;
    config.clusters = clusters;
    Producer producer(config);
    EXPECT_TRUE(eventually(5s, [&] { return threadsNamed("mq-probe") == probes_before + 1; }));
    ConsumerConfig follower;
    follower.clusters = clusters;
    follower.group_id = "followers";
    ClusterConsumer consumer(follower);
    consumer.subscribe({"events"});
    EXPECT_TRUE(
        eventually(5s, [&] { return threadsNamed("mq-cluster-read") == readers_before + 2; }));
    consumer.close();
    producer.close();
  }
  EXPECT_EQ(threadsNamed("mq-probe"), probes_before);
  EXPECT_EQ(threadsNamed("mq-cluster-read"), readers_before);
}

TEST(ClusterFailover, BadClusterListsAreRefusedNamingTheProblem) {
  auto refusal = [](ProducerConfig config) -> std::string {
    try {
      Producer producer(config);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), client::ErrorCode::INVALID_CONFIG);
      return e.what();
    }
    return "";
  };
  ProducerConfig config;
  config.clusters = {ClusterAddress{"a", {"127.0.0.1:1"}, "", ""},
                     ClusterAddress{"a", {"127.0.0.1:2"}, "", ""}};
  EXPECT_NE(refusal(config).find("`a` is listed twice"), std::string::npos);
  config.clusters = {ClusterAddress{"a", {}, "", ""}};
  EXPECT_NE(refusal(config).find("neither bootstrap_brokers nor a metaserver"), std::string::npos);
  config.clusters = {ClusterAddress{"a", {"127.0.0.1:1"}, "", ""}};
  config.metaserver = "127.0.0.1:2";
  EXPECT_NE(refusal(config).find("not both"), std::string::npos);
  config.metaserver.clear();
  config.cluster_failover_ms = 0;
  EXPECT_NE(refusal(config).find("cluster_failover_ms must be > 0"), std::string::npos);
  ConsumerConfig follower;
  follower.clusters = {ClusterAddress{"a", {"127.0.0.1:1"}, "", ""}};
  try {
    ClusterConsumer c(follower);
    ADD_FAILURE() << "a ClusterConsumer without a group was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a group_id"), std::string::npos) << e.what();
  }
  follower.group_id = "g";
  follower.clusters.push_back(ClusterAddress{"a", {"127.0.0.1:2"}, "", ""});
  try {
    ClusterConsumer c(follower);
    ADD_FAILURE() << "a ClusterConsumer with a cluster listed twice was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("`a` is listed twice"), std::string::npos) << e.what();
  }
  ConsumerConfig consumer;
  consumer.clusters = {ClusterAddress{"a", {"127.0.0.1:1"}, "", ""}};
  try {
    Consumer c(consumer);
    ADD_FAILURE() << "a consumer with clusters was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("clusters (client cluster failover) is for a Producer"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace mq::test
