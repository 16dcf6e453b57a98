// Consumer groups end to end: real brokers and MariaDB, and group members as separate
// processes (tests/tools/group_consumer) whose event logs (assigned / revoked / consumed /
// commit lines with timestamps) are checked afterwards: nothing produced is missed, no
// partition ever has two owners at once, a killed member's partitions move within the
// session timeout and only its uncommitted offsets are consumed twice, cooperative
// rebalancing keeps unmoved partitions flowing, and a static member's restart causes no
// rebalance. Timeouts are short (session 2 s, heartbeat 300 ms) and every wait is for a
// condition with a deadline.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/log.h"
#include "mq/client.h"
#include "tests/harness/group_member.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/thread_names.h"

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::ConsumerGroupMetadata;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

using namespace std::chrono_literals;

constexpr int kSessionMs = kMemberSessionMs;
constexpr int kHeartbeatMs = kMemberHeartbeatMs;

// The in-process consumers log joins and rebalances at info; keep the test output short.
const bool kQuietLogs = [] {
  setLogLevel(LogLevel::kWarn);
  return true;
}();

// Produces keyless messages round-robin over the partitions until stopped, and remembers
// where each one was stored.
class BackgroundProducer {
 public:
  BackgroundProducer(const TestCluster& cluster, std::string topic, int partitions,
                     std::chrono::milliseconds every = 5ms)
      : topic_(std::move(topic)), partitions_(partitions), every_(every) {
    ProducerConfig config;
    config.bootstrap_brokers = cluster.brokerAddresses();
    config.linger_ms = 1;
    producer_ = std::make_unique<Producer>(config);
    thread_ = std::thread([this] { run(); });
  }
  ~BackgroundProducer() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    producer_->flush();
  }

  std::set<std::pair<int, int64_t>> produced() {
    std::lock_guard<std::mutex> lock(mutex_);
    return produced_;
  }

 private:
  void run() {
    for (int64_t seq = 0; !stop_; ++seq) {
      ProducerRecord record;
      record.topic = topic_;
      record.value = fmt::format("v{}", seq);
      record.partition = static_cast<int>(seq % partitions_);
      producer_->sendAsync(record, [this](const SendResult* sent, const Error*) {
        if (!sent) return;
        std::lock_guard<std::mutex> lock(mutex_);
        produced_.insert({sent->partition, sent->offset});
      });
      std::this_thread::sleep_for(every_);
    }
  }

  std::string topic_;
  int partitions_;
  std::chrono::milliseconds every_;
  std::unique_ptr<Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::set<std::pair<int, int64_t>> produced_;
};

// Samples the group's state from the coordinator every 20 ms.
class GroupWatcher {
 public:
  struct Sample {
    int64_t us;
    std::string state;
    int generation;
    size_t members;
  };

  GroupWatcher(TestCluster& cluster, std::string group)
      : client_(cluster.brokerClient(0)), group_(std::move(group)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        rpc::DescribeGroupResponse response;
        try {
          (*client_)->describeGroup(response, rpc::RequestHeader(), group_);
        } catch (const std::exception& e) {
          ADD_FAILURE() << "describeGroup failed: " << e.what();
          return;
        }
        {
          std::lock_guard<std::mutex> lock(mutex_);
          samples_.push_back({nowMicros(), response.group.state, response.group.generation_id,
                              response.group.members.size()});
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  ~GroupWatcher() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Sample> samples() {
    std::lock_guard<std::mutex> lock(mutex_);
    return samples_;
  }
  // Periods in which the group was rebalancing (not Stable), as [from, to) in micros; one
  // still open at the last sample ends there.
  std::vector<std::pair<int64_t, int64_t>> rebalances() {
    std::vector<std::pair<int64_t, int64_t>> windows;
    std::optional<int64_t> from;
    const auto all = samples();
    for (const auto& s : all) {
      bool rebalancing = s.state == "PreparingRebalance" || s.state == "CompletingRebalance";
      if (rebalancing && !from) from = s.us;
      if (!rebalancing && from) {
        windows.push_back({*from, s.us});
        from.reset();
      }
    }
    if (from) windows.push_back({*from, all.back().us});
    return windows;
  }

 private:
  std::unique_ptr<RpcClient<rpc::BrokerClient>> client_;
  std::string group_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Sample> samples_;
};

std::string describeOwnership(const std::vector<const Member*>& members) {
  std::string text;
  for (const Member* m : members) {
    text += m->name() + ":";
    for (int p : m->owned()) text += " " + std::to_string(p);
    text += "\n";
  }
  return text;
}

// True when the members own `partitions` partitions in total, disjointly, with the given
// count each.
bool ownsExactly(const std::vector<const Member*>& members, const std::vector<size_t>& counts) {
  std::set<int> all;
  size_t total = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    auto owned = members[i]->owned();
    if (owned.size() != counts[i]) return false;
    total += owned.size();
    all.insert(owned.begin(), owned.end());
  }
  return all.size() == total;
}

bool allConsumed(BackgroundProducer& producer, const std::vector<const Member*>& members) {
  auto consumed = consumedCounts(members);
  for (const auto& key : producer.produced()) {
    if (!consumed.count(key)) return false;
  }
  return true;
}

TEST(ConsumerGroup, ScalingOneToFourToTwoConsumesEverythingWithoutDoubleOwnership) {
  ClusterOptions options;
  options.brokers = 2;  // members coordinate through either broker
  TestCluster cluster(options);
  cluster.createTopic("orders", 12);
  BackgroundProducer producer(cluster, "orders", 12);

  Member m0("m0", cluster, "g", "orders");
  ASSERT_TRUE(waitFor([&] { return m0.owned().size() == 12; }, 15s)) << describeOwnership({&m0});

  Member m1("m1", cluster, "g", "orders");
  Member m2("m2", cluster, "g", "orders");
  Member m3("m3", cluster, "g", "orders");
  std::vector<const Member*> four = {&m0, &m1, &m2, &m3};
  ASSERT_TRUE(waitFor(
      [&] {
        return ownsExactly(four, {3, 3, 3, 3});
      },
      20s))
      << describeOwnership(four);

  EXPECT_EQ(m1.stop(), 0);
  EXPECT_EQ(m3.stop(), 0);
  std::vector<const Member*> two = {&m0, &m2};
  ASSERT_TRUE(waitFor([&] { return ownsExactly(two, {6, 6}); }, 20s)) << describeOwnership(four);

  std::this_thread::sleep_for(500ms);  // keep producing into the scaled-down group
  producer.stop();
  ASSERT_FALSE(producer.produced().empty());
  ASSERT_TRUE(waitFor([&] { return allConsumed(producer, four); }, 20s))
      << "messages produced but never consumed";
  EXPECT_EQ(m0.stop(), 0);
  EXPECT_EQ(m2.stop(), 0);

  expectNoDoubleOwnership(four);
  // Every hand-over was graceful (commit before revoke), so nothing was consumed twice.
  int duplicates = 0;
  for (const auto& [key, count] : consumedCounts(four)) duplicates += count - 1;
  EXPECT_EQ(duplicates, 0);
  std::cout << "produced " << producer.produced().size() << " messages, duplicates " << duplicates
            << "\n";
}

TEST(ConsumerGroup, KilledMembersPartitionsMoveWithinSessionTimeoutAndOnlyUncommittedOnesRepeat) {
  TestCluster cluster;
  cluster.createTopic("orders", 12);
  BackgroundProducer producer(cluster, "orders", 12);
  // Commits every 700 ms: the victim dies with some consumed offsets not committed.
  const std::vector<std::string> slow_commits = {"--commit-interval-ms", "700"};
  Member m0("m0", cluster, "g", "orders", slow_commits);
  Member m1("m1", cluster, "g", "orders", slow_commits);
  Member m2("m2", cluster, "g", "orders", slow_commits);
  std::vector<const Member*> all = {&m0, &m1, &m2};
  ASSERT_TRUE(waitFor([&] { return ownsExactly(all, {4, 4, 4}); }, 20s)) << describeOwnership(all);
  std::this_thread::sleep_for(1000ms);  // let the victim consume and commit a while

  const std::set<int> victim_partitions = m1.owned();
  m1.kill9();
  const auto killed = std::chrono::steady_clock::now();
  std::vector<const Member*> survivors = {&m0, &m2};
  ASSERT_TRUE(waitFor(
      [&] {
        return ownsExactly(survivors, {6, 6});
      },
      15s))
      << describeOwnership(all);
  const auto moved_after = std::chrono::steady_clock::now() - killed;
  // Within the session timeout plus one rebalance (generous: heartbeats, polls, CI noise).
  EXPECT_LT(moved_after, std::chrono::milliseconds(kSessionMs + 4000));

  std::this_thread::sleep_for(500ms);
  producer.stop();
  ASSERT_TRUE(waitFor([&] { return allConsumed(producer, all); }, 20s))
      << "messages produced but never consumed";
  m0.stop();
  m2.stop();
  expectNoDoubleOwnership(all);

  // The victim's uncommitted range per partition: from its last commit (or, without one,
  // its first consumed offset) to the last offset it consumed.
  std::map<int, std::pair<int64_t, int64_t>> uncommitted;
  for (const auto& e : m1.events()) {
    if (e.kind == "consumed") {
      int p = std::stoi(e.fields.at(1));
      int64_t offset = std::stoll(e.fields.at(2));
      auto it = uncommitted.find(p);
      if (it == uncommitted.end()) {
        uncommitted[p] = {offset, offset};
      } else {
        it->second.second = offset;
      }
    }
    if (e.kind == "commit") {
      int p = std::stoi(e.fields.at(1));
      uncommitted[p].first = std::stoll(e.fields.at(2));
    }
  }
  int64_t allowed = 0;
  for (int p : victim_partitions) {
    auto it = uncommitted.find(p);
    if (it != uncommitted.end())
      allowed += std::max<int64_t>(0, it->second.second - it->second.first + 1);
  }
  int duplicates = 0;
  for (const auto& [key, count] : consumedCounts(all)) {
    if (count < 2) continue;
    duplicates += count - 1;
    auto [p, offset] = key;
    auto range = uncommitted.find(p);
    EXPECT_TRUE(victim_partitions.count(p) && range != uncommitted.end() &&
                offset >= range->second.first && offset <= range->second.second)
        << "partition " << p << " offset " << offset << " consumed " << count
        << " times outside the victim's uncommitted range";
  }
  EXPECT_LE(duplicates, allowed);
  std::cout << "partitions moved after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(moved_after).count()
            << " ms; duplicates " << duplicates << " (victim's uncommitted offsets: " << allowed
            << ")\n";
}

TEST(ConsumerGroup, MembersCarryOnThroughAnotherBrokerWhenOneDies) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("orders", 12);
  BackgroundProducer producer(cluster, "orders", 12);
  Member m0("m0", cluster, "g", "orders");
  ASSERT_TRUE(waitFor([&] { return m0.owned().size() == 12; }, 15s));

  // Heartbeats, the next rebalance and commits go to the surviving broker.
  cluster.broker(0).signal(SIGKILL);
  Member m1("m1", cluster, "g", "orders");
  std::vector<const Member*> both = {&m0, &m1};
  ASSERT_TRUE(waitFor([&] { return ownsExactly(both, {6, 6}); }, 20s)) << describeOwnership(both);
  std::this_thread::sleep_for(500ms);
  producer.stop();
  ASSERT_TRUE(waitFor([&] { return allConsumed(producer, both); }, 20s))
      << "messages produced but never consumed";
  EXPECT_EQ(m0.stop(), 0);
  EXPECT_EQ(m1.stop(), 0);
  expectNoDoubleOwnership(both);
  for (const auto& e : m0.events()) EXPECT_NE(e.kind, "lost") << "m0 lost its membership";
}

// Every broker hangs (SIGSTOP): the member hears nothing from any coordinator, so after
// its session timeout it gives its partitions up as lost, since the group would have
// given them to others by then. When the broker is back it joins again and gets them.
TEST(ConsumerGroup, MemberCutOffFromEveryCoordinatorGivesItsPartitionsUpAfterTheSession) {
  TestCluster cluster;
  cluster.createTopic("orders", 4);
  Member m0("m0", cluster, "g", "orders", {"--request-timeout-ms", "1000"});
  ASSERT_TRUE(waitFor([&] { return m0.owned().size() == 4; }, 15s));
  const int64_t hung_at = nowMicros();
  cluster.broker(0).signal(SIGSTOP);
  const bool gave_up = waitFor([&] { return m0.owned().empty(); }, 8s);
  const int64_t gave_up_after_ms = (nowMicros() - hung_at) / 1000;
  cluster.broker(0).signal(SIGCONT);
  ASSERT_TRUE(gave_up) << "the member kept its partitions with no coordinator to talk to";
  // Session timeout, plus a fetch timing out (request timeout) before poll() applies it.
  EXPECT_LT(gave_up_after_ms, kSessionMs + 1000 + 1500);
  bool lost = false;
  for (const auto& e : m0.events()) lost = lost || e.kind == "lost";
  EXPECT_TRUE(lost) << "given up as revoked rather than lost";
  ASSERT_TRUE(waitFor([&] { return m0.owned().size() == 4; }, 15s)) << "did not rejoin";
  m0.stop();
}

ConsumerConfig memberConfig(const TestCluster& cluster, const std::string& group) {
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.group_id = group;
  config.session_timeout_ms = kSessionMs;
  config.heartbeat_interval_ms = kHeartbeatMs;
  config.rebalance_timeout_ms = 10000;
  config.retry_backoff_ms = 20;
  config.retry_backoff_max_ms = 500;
  return config;
}

void produce(const TestCluster& cluster, const std::string& topic, int partition, int count) {
  ProducerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  Producer producer(config);
  std::vector<std::future<SendResult>> sent;
  for (int i = 0; i < count; ++i) {
    sent.push_back(producer.sendAsync(topic, fmt::format("m{}", i), std::nullopt, {}, partition));
  }
  for (auto& result : sent) result.get();  // throws if a message was not stored
}

// Polls `consumer` until `condition` holds or the timeout passes.
template <typename Condition>
bool pollUntil(Consumer& consumer, Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    consumer.poll(50ms);
  }
  return true;
}

TEST(ConsumerGroup, AMembersOwnThreadsAreNamedAndEndWithIt) {
  TestCluster cluster;
  cluster.createTopic("t", 2);
  produce(cluster, "t", 0, 3);
  const long groups_before = threadsNamed("mq-group");
  const long commits_before = threadsNamed("mq-commit");
  {
    Consumer consumer(memberConfig(cluster, "g"));
    consumer.subscribe({"t"});
    ASSERT_TRUE(pollUntil(
        consumer, [&] { return consumer.assignment().size() == 2; }, 15s));
    std::promise<void> committed;
    consumer.commitAsync([&](const auto&, const auto&) { committed.set_value(); });
    auto done = committed.get_future();
    ASSERT_TRUE(pollUntil(
        consumer, [&] { return done.wait_for(0s) == std::future_status::ready; }, 10s));
    EXPECT_EQ(threadsNamed("mq-group"), groups_before + 1) << "the membership thread";
    EXPECT_EQ(threadsNamed("mq-commit"), commits_before + 1) << "the commit thread";
    consumer.close();
  }
  EXPECT_EQ(threadsNamed("mq-group"), groups_before);
  EXPECT_EQ(threadsNamed("mq-commit"), commits_before);
}

TEST(ConsumerGroup, ZombieOfAnOldGenerationCannotCommit) {
  TestCluster cluster;
  cluster.createTopic("t", 2);
  produce(cluster, "t", 0, 10);
  Consumer a(memberConfig(cluster, "g"));
  a.subscribe({"t"});
  size_t consumed = 0;
  ASSERT_TRUE(waitFor(
      [&] {
        consumed += a.poll(100ms).size();
        return consumed >= 10;
      },
      15s));
  a.commitSync();
  const ConsumerGroupMetadata old_generation = a.groupMetadata();
  ASSERT_GE(old_generation.generation_id, 1);
  EXPECT_EQ(a.committed({{"t", 0}}).at({"t", 0}), 10);

  // b joins: the group moves to a new generation, with a in it.
  std::atomic<bool> stop{false};
  std::thread b_thread([&] {
    Consumer b(memberConfig(cluster, "g"));
    b.subscribe({"t"});
    while (!stop) b.poll(100ms);
  });
  ASSERT_TRUE(pollUntil(
      a,
      [&] {
        return a.groupMetadata().generation_id > old_generation.generation_id &&
               a.assignment().size() == 1;
      },
      20s));

  // Work done in the old generation must not overwrite anything now.
  try {
    a.commitSync({{{"t", 0}, 3}}, old_generation);
    ADD_FAILURE() << "a commit from an old generation was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::ILLEGAL_GENERATION) << e.what();
    EXPECT_NE(std::string(e.what()).find("generation"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.committed({{"t", 0}}).at({"t", 0}), 10) << "the zombie's commit changed nothing";
  stop = true;
  b_thread.join();
  a.close();
}

TEST(ConsumerGroup, CooperativeRebalanceKeepsUnmovedPartitionsConsuming) {
  TestCluster cluster;
  cluster.createTopic("orders", 12);
  BackgroundProducer producer(cluster, "orders", 12, 2ms);
  GroupWatcher watcher(cluster, "g");
  Member m0("m0", cluster, "g", "orders");
  ASSERT_TRUE(waitFor([&] { return m0.owned().size() == 12; }, 15s));
  std::this_thread::sleep_for(300ms);
  const auto joined_at = nowMicros();

  // The newcomer polls only every 1.5 s, so the second (cooperative) rebalance waits for it
  // to rejoin: a long window in which m0 must keep consuming the partitions it keeps.
  Member m1("m1", cluster, "g", "orders", {"--poll-pause-ms", "1500"});
  std::vector<const Member*> both = {&m0, &m1};
  ASSERT_TRUE(waitFor([&] { return ownsExactly(both, {6, 6}); }, 20s)) << describeOwnership(both);
  std::this_thread::sleep_for(100ms);  // the watcher samples the Stable group once more
  watcher.stop();
  const std::set<int> kept = m0.owned();

  int64_t window_us = 0;
  int consumed_in_windows = 0;
  auto windows = watcher.rebalances();
  for (const auto& [from, to] : windows) {
    if (to < joined_at) continue;
    window_us += to - from;
    for (const auto& e : m0.events()) {
      if (e.kind == "consumed" && e.us >= from && e.us < to &&
          kept.count(std::stoi(e.fields.at(1)))) {
        ++consumed_in_windows;
      }
    }
  }
  EXPECT_GE(windows.size(), 1u);
  EXPECT_GT(consumed_in_windows, 0)
      << "m0 consumed nothing from its unmoved partitions while the group rebalanced for "
      << window_us / 1000 << " ms";
  // m0 never gave up a partition it kept: no stop-the-world.
  for (const auto& e : m0.events()) {
    if (e.kind == "revoked") {
      EXPECT_FALSE(kept.count(std::stoi(e.fields.at(1)))) << e.fields.at(1);
    }
  }
  std::cout << "rebalancing for " << window_us / 1000 << " ms in " << windows.size()
            << " window(s); m0 consumed " << consumed_in_windows
            << " messages from its unmoved partitions meanwhile\n";
  producer.stop();
  m1.stop();
  m0.stop();
  expectNoDoubleOwnership(both);
}

// Two static members; each in turn is stopped and started again within the session
// timeout: the group stays Stable at the same generation, the restarted process gets the
// same partitions, and the other member is not disturbed.
void expectStaticRestartsCauseNoRebalance(const std::string& assignors) {
  TestCluster cluster;
  cluster.createTopic("orders", 4);
  auto as = [&](const std::string& instance) {
    return std::vector<std::string>{"--assignors", assignors, "--instance-id", instance};
  };
  std::map<std::string, std::unique_ptr<Member>> members;
  // One after the other, so that a member rejoins owning partitions (cooperative).
  members["host-a"] = std::make_unique<Member>("a", cluster, "g", "orders", as("host-a"));
  ASSERT_TRUE(waitFor([&] { return members["host-a"]->owned().size() == 4; }, 20s));
  members["host-b"] = std::make_unique<Member>("b", cluster, "g", "orders", as("host-b"));
  auto both = [&] {
    return std::vector<const Member*>{members["host-a"].get(), members["host-b"].get()};
  };
  ASSERT_TRUE(waitFor(
      [&] {
        return ownsExactly(both(), {2, 2});
      },
      20s))
      << describeOwnership(both());
  GroupWatcher watcher(cluster, "g");
  ASSERT_TRUE(waitFor([&] { return !watcher.samples().empty(); }, 5s));
  const int generation = watcher.samples().back().generation;

  int restarts = 0;
  for (const std::string restarted : {"host-b", "host-a"}) {
    const std::string other = restarted == "host-a" ? "host-b" : "host-a";
    const std::set<int> partitions = members[restarted]->owned();
    const int64_t restart_at = nowMicros();
    // A static member does not leave the group when it closes.
    EXPECT_EQ(members[restarted]->stop(), 0);
    members[restarted] = std::make_unique<Member>(fmt::format("{}-{}", restarted, ++restarts),
                                                  cluster, "g", "orders", as(restarted));
    ASSERT_TRUE(waitFor([&] { return members[restarted]->owned().size() == 2; }, 10s))
        << describeOwnership(both());
    EXPECT_EQ(members[restarted]->owned(), partitions) << restarted << " got other partitions";
    for (const auto& e : members[other]->events()) {
      if (e.us > restart_at) {
        EXPECT_NE(e.kind, "revoked") << other << " was disturbed by " << restarted << "'s restart";
      }
    }
  }
  std::this_thread::sleep_for(3 * std::chrono::milliseconds(kHeartbeatMs));
  watcher.stop();
  int not_stable = 0;
  std::set<int> generations;
  for (const auto& sample : watcher.samples()) {
    not_stable += sample.state == "Stable" ? 0 : 1;
    generations.insert(sample.generation);
  }
  EXPECT_EQ(not_stable, 0) << "a restart caused a rebalance (" << not_stable << " of "
                           << watcher.samples().size() << " samples not Stable)";
  EXPECT_EQ(generations, std::set<int>{generation});
  for (auto& [instance, member] : members) member->stop();
}

TEST(ConsumerGroup, StaticMemberRestartWithinSessionTimeoutCausesNoRebalance) {
  expectStaticRestartsCauseNoRebalance("range");
}

TEST(ConsumerGroup, StaticCooperativeMemberRestartWithinSessionTimeoutCausesNoRebalance) {
  expectStaticRestartsCauseNoRebalance("cooperative-sticky,range");
}

// A static member's process hangs (SIGSTOP) and is replaced by a new process with the same
// instance id, which takes its place at once (no rebalance). When the old one wakes up it
// is fenced: its heartbeats and commits are refused with FENCED_INSTANCE_ID, it gives its
// partitions up as lost and stops.
TEST(ConsumerGroup, HungStaticMemberReplacedByANewProcessIsFenced) {
  TestCluster cluster;
  cluster.createTopic("orders", 2);
  BackgroundProducer producer(cluster, "orders", 2);
  const std::vector<std::string> static_x = {"--assignors", "range", "--instance-id", "x"};
  Member old_process("old", cluster, "g", "orders", static_x);
  ASSERT_TRUE(waitFor([&] { return old_process.owned().size() == 2; }, 15s));
  old_process.pause();
  Member replacement("new", cluster, "g", "orders", static_x);
  ASSERT_TRUE(waitFor([&] { return replacement.owned().size() == 2; }, 10s));
  const int64_t resumed_at = nowMicros();
  old_process.resume();
  ASSERT_TRUE(waitFor([&] { return !old_process.running(); }, 15s)) << "the zombie went on";
  bool fenced = false;
  for (const auto& e : old_process.events()) {
    if (e.us < resumed_at) continue;
    if (e.kind == "commit") ADD_FAILURE() << "the zombie committed " << e.fields.at(1);
    if ((e.kind == "poll-failed" || e.kind == "commit-failed") &&
        e.fields.at(0) == "FENCED_INSTANCE_ID") {
      fenced = true;
    }
  }
  EXPECT_TRUE(fenced) << "no FENCED_INSTANCE_ID in the zombie's log";
  producer.stop();
  ASSERT_TRUE(waitFor([&] { return allConsumed(producer, {&old_process, &replacement}); }, 15s));
  replacement.stop();
}

TEST(ConsumerGroup, AddedPartitionsArePickedUpWithoutRestart) {
  TestCluster cluster;
  cluster.createTopic("grow", 2);
  ConsumerConfig config = memberConfig(cluster, "g");
  config.metadata_refresh_ms = 300;
  Consumer consumer(config);
  consumer.subscribe({"grow"});
  ASSERT_TRUE(pollUntil(
      consumer, [&] { return consumer.assignment().size() == 2; }, 15s));

  rpc::TopicInfo grown;
  (*cluster.metaClient())->addPartitions(grown, rpc::RequestHeader(), "grow", 2);
  ASSERT_EQ(grown.partitions.size(), 4u);
  ASSERT_TRUE(pollUntil(
      consumer, [&] { return consumer.assignment().size() == 4; }, 15s));
  produce(cluster, "grow", 3, 5);
  size_t from_new_partition = 0;
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& m : consumer.poll(100ms)) from_new_partition += m.partition == 3 ? 1 : 0;
        return from_new_partition == 5;
      },
      15s));
  consumer.close();
}

TEST(ConsumerGroup, GroupMembersPauseResumeSeekAndCommitAsynchronously) {
  TestCluster cluster;
  cluster.createTopic("t", 2);
  ConsumerConfig config = memberConfig(cluster, "g");
  config.enable_auto_commit = false;
  Consumer consumer(config);
  consumer.subscribe({"t"});
  ASSERT_TRUE(pollUntil(
      consumer, [&] { return consumer.assignment().size() == 2; }, 15s));
  consumer.pause({{"t", 1}});
  produce(cluster, "t", 0, 10);  // after the join: pollUntil() drops what it polls
  produce(cluster, "t", 1, 10);
  std::map<int, int> got;
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& m : consumer.poll(100ms)) ++got[m.partition];
        return got[0] >= 10;
      },
      10s));
  EXPECT_EQ(got[1], 0) << "a paused partition returned messages";
  EXPECT_EQ(consumer.paused(), (std::vector<TopicPartition>{{"t", 1}}));
  consumer.resume({{"t", 1}});
  consumer.seek({"t", 0}, 5);
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& m : consumer.poll(100ms)) ++got[m.partition];
        return got[0] >= 15 && got[1] >= 10;
      },
      10s));
  EXPECT_EQ(got[0], 15) << "seek(5) returned offsets 5..9 again";

  int callbacks = 0;
  std::string failure;
  consumer.commitAsync([&](const std::map<TopicPartition, int64_t>& offsets, const Error* error) {
    ++callbacks;
    if (error) failure = error->what();
    EXPECT_EQ(offsets.size(), 2u);
  });
  ASSERT_TRUE(pollUntil(
      consumer, [&] { return callbacks == 1; }, 10s));
  EXPECT_EQ(failure, "");
  auto committed = consumer.committed({{"t", 0}, {"t", 1}});
  EXPECT_EQ(committed.at({"t", 0}), 10);
  EXPECT_EQ(committed.at({"t", 1}), 10);
  consumer.close();
}

class RecordingListener : public client::RebalanceListener {
 public:
  void onPartitionsRevoked(const std::vector<TopicPartition>& partitions) override {
    revoked += partitions.size();
  }
  void onPartitionsAssigned(const std::vector<TopicPartition>& partitions) override {
    assigned += partitions.size();
  }
  void onPartitionsLost(const std::vector<TopicPartition>& partitions) override {
    lost += partitions.size();
  }
  size_t revoked = 0, assigned = 0, lost = 0;
};

TEST(ConsumerGroup, MemberThatStopsPollingLeavesAndRejoinsOnItsNextPoll) {
  TestCluster cluster;
  cluster.createTopic("t", 3);
  ConsumerConfig config = memberConfig(cluster, "g");
  config.max_poll_interval_ms = 1000;
  RecordingListener listener;  // outlives the consumer, whose close() may call it
  Consumer consumer(config);
  consumer.subscribe({"t"}, &listener);
  ASSERT_TRUE(pollUntil(
      consumer, [&] { return consumer.assignment().size() == 3; }, 15s));
  auto admin = cluster.brokerClient();
  auto members = [&] {
    rpc::DescribeGroupResponse response;
    (*admin)->describeGroup(response, rpc::RequestHeader(), "g");
    return response.group.members.size();
  };
  ASSERT_EQ(members(), 1u);
  // No poll() for longer than max_poll_interval_ms: the heartbeat thread leaves the group.
  ASSERT_TRUE(waitFor([&] { return members() == 0; }, 5s));
  EXPECT_TRUE(consumer.assignment().size() == 3) << "nothing changes until the next poll";
  ASSERT_TRUE(pollUntil(
      consumer, [&] { return listener.lost == 3 && consumer.assignment().size() == 3; }, 15s));
  EXPECT_EQ(members(), 1u);
  consumer.close();
}

TEST(ConsumerGroup, MqctlListsDescribesResetsAndDeletesGroups) {
  TestCluster cluster;
  cluster.createTopic("t", 3);
  for (int p = 0; p < 3; ++p) produce(cluster, "t", p, 10);
  Consumer consumer(memberConfig(cluster, "g"));
  consumer.subscribe({"t"});
  size_t consumed = 0;
  ASSERT_TRUE(waitFor(
      [&] {
        consumed += consumer.poll(100ms).size();
        return consumed == 30;
      },
      15s));
  consumer.commitSync();

  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"group", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\ng "), std::string::npos) << out;
  EXPECT_NE(out.find("Stable"), std::string::npos) << out;
  ASSERT_EQ(cluster.mqctl({"--json", "group", "describe", "g"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"state\":\"Stable\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"total_lag\":0"), std::string::npos) << out;
  EXPECT_NE(out.find("\"committed_offset\":10,\"end_offset\":10,\"lag\":0"), std::string::npos)
      << out;
  ASSERT_EQ(cluster.mqctl({"group", "describe", "g"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("COMMITTED"), std::string::npos) << out;

  // Refused while the member is active.
  EXPECT_EQ(
      cluster.mqctl({"group", "reset-offsets", "g", "--topic", "t", "--to-earliest"}, &out, &err),
      1);
  EXPECT_NE(err.find("active members"), std::string::npos) << err;
  consumer.close();

  ASSERT_EQ(cluster.mqctl(
                {"group", "reset-offsets", "g", "--topic", "t", "--to-offset", "4", "--dry-run"},
                &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("dry run"), std::string::npos) << out;
  ASSERT_EQ(cluster.mqctl({"group", "reset-offsets", "g", "--topic", "t", "--to-offset", "4"}, &out,
                          &err),
            0)
      << err;
  ASSERT_EQ(cluster.mqctl({"--json", "group", "describe", "g"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"state\":\"Empty\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"total_lag\":18"), std::string::npos) << out;
  ASSERT_EQ(cluster.mqctl({"group", "reset-offsets", "g", "--topic", "t", "--to-datetime",
                           "2999-01-01T00:00:00Z"},
                          &out, &err),
            0)
      << err;
  ASSERT_EQ(cluster.mqctl({"--json", "group", "describe", "g"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"total_lag\":0"), std::string::npos) << out;

  // A group member on the command line: prints what it consumes, commits it.
  ASSERT_EQ(
      cluster.mqctl({"consume", "t", "--group", "cli", "--max", "30", "--timeout-ms", "10000"},
                    &out, &err),
      0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 30) << out;
  ASSERT_EQ(cluster.mqctl({"--json", "group", "describe", "cli"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"total_lag\":0"), std::string::npos) << out;

  ASSERT_EQ(cluster.mqctl({"group", "delete", "g"}, &out, &err), 0) << err;
  ASSERT_EQ(cluster.mqctl({"group", "list"}, &out, &err), 0) << err;
  EXPECT_EQ(out.find("\ng "), std::string::npos) << out;
  EXPECT_EQ(cluster.mqctl({"group", "describe", "g"}, &out, &err), 1);
  EXPECT_NE(err.find("unknown group"), std::string::npos) << err;
}

}  // namespace
}  // namespace mq::test
