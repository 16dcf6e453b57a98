// The transactional outbox end to end: an application database and the queue in the test
// MariaDB, brokers and mq-outbox-relay as real processes. Each test states a guarantee of
// docs/outbox.md: exactly once, per-key order, rollback, crashes between publish and delete,
// lost produce replies, several relays, zombies, failed events.
#include "mq/outbox.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "common/clock.h"
#include "mq/client.h"
#include "tests/harness/group_member.h"
#include "tests/harness/reply_dropping_proxy.h"
#include "tests/harness/test_certificates.h"
#include "tests/harness/test_cluster.h"

using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

using namespace std::chrono_literals;

// The application's own database on the test server: created per test, dropped after.
class AppDb {
 public:
  explicit AppDb(const TestCluster& cluster) {
    static std::atomic<int> counter{0};
    target_ = cluster.metaDb();
    target_.database = fmt::format("obxt_{}_{}", getpid(), counter++);
    DbPoolOptions options;
    options.create_database = true;
    options.max_connections = 4;
    pool_ = std::make_unique<DbPool>(target_, options);
    pool_->acquire();  // creates the database
    OutboxAdmin(url()).createTables();
  }
  ~AppDb() {
    try {
      auto db = pool_->acquire();
      db->execute(fmt::format("DROP DATABASE IF EXISTS `{}`", target_.database));
    } catch (...) {
    }
  }
  std::string url() const {
    return fmt::format("mysql://{}:{}@{}:{}/{}", target_.user, target_.password, target_.host,
                       target_.port, target_.database);
  }
  DbPool& pool() { return *pool_; }
  int64_t count(const std::string& where) {
    auto db = pool_->acquire();
    auto rows = db->query("SELECT COUNT(*) FROM mq_outbox WHERE " + where);
    rows->next();
    return rows->getInt64(1);
  }

 private:
  DbTarget target_;
  std::unique_ptr<DbPool> pool_;
};

// Writes events the way an application does: business row and events in one transaction.
class OrderService {
 public:
  explicit OrderService(AppDb& app) : app_(app) {
    auto db = app_.pool().acquire();
    db->execute(
        "CREATE TABLE IF NOT EXISTS orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, "
        "customer VARCHAR(64) NOT NULL, seq INT NOT NULL)");
  }

  // One transaction: an order row plus `count` events of key `customer`. Returns the
  // (outbox id, value) of each event; they are committed unless `rollback`.
  std::vector<std::pair<int64_t, std::string>> placeOrders(const std::string& customer, int count,
                                                           bool rollback,
                                                           const std::string& topic = "orders",
                                                           size_t padding = 0) {
    auto db = app_.pool().acquire();
    db->execute("START TRANSACTION");
    std::vector<std::pair<int64_t, std::string>> written;
    for (int i = 0; i < count; ++i) {
      int seq = next_seq_[customer]++;
      db->execute(
          fmt::format("INSERT INTO orders (customer, seq) VALUES ('{}', {})", customer, seq));
      std::string value = fmt::format("{}:{}", customer, seq) + std::string(padding, '.');
      int64_t id = writer_.write(db->raw(), topic, customer, value, {{"type", "OrderPlaced"}});
      written.emplace_back(id, value);
    }
    db->execute(rollback ? "ROLLBACK" : "COMMIT");
    return written;
  }

 private:
  AppDb& app_;
  OutboxWriter writer_;
  std::map<std::string, int> next_seq_;
};

struct Published {
  int partition;
  int64_t offset;
  std::string key;
  std::string value;
  int64_t outbox_id;
};

// Everything in the topic, by partition and offset.
std::vector<Published> readTopic(TestCluster& cluster, const std::string& topic, int partitions,
                                 size_t expected, std::chrono::milliseconds patience = 20s) {
  ConsumerConfig config;
  config.tls = cluster.clientTls();
  config.bootstrap_brokers = cluster.brokerAddresses();
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < partitions; ++p) all.push_back({topic, p});
  consumer.assign(all);
  consumer.seekToBeginning();
  std::vector<Published> out;
  auto deadline = SteadyClock::now() + patience;
  // Reads until `expected` arrived, then a little longer to catch extras.
  auto settle = SteadyClock::time_point::max();
  while (SteadyClock::now() < std::min(deadline, settle)) {
    for (const auto& m : consumer.poll(200ms)) {
      auto id = m.headers.count(kOutboxIdHeader) ? std::stoll(m.headers.at(kOutboxIdHeader)) : -1;
      out.push_back(Published{m.partition, m.offset, m.key.value_or(""), m.value, id});
    }
    if (out.size() >= expected && settle == SteadyClock::time_point::max()) {
      settle = SteadyClock::now() + 500ms;
    }
  }
  std::sort(out.begin(), out.end(), [](const Published& a, const Published& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  return out;
}

// Every committed event exactly once, and per key in the order it was written.
void expectExactlyOnceInKeyOrder(const std::vector<Published>& published,
                                 const std::map<int64_t, std::string>& committed) {
  std::map<int64_t, int> copies;
  for (const auto& p : published) ++copies[p.outbox_id];
  int missing = 0;
  int duplicated = 0;
  for (const auto& [id, value] : committed) {
    if (copies[id] == 0) ++missing;
    if (copies[id] > 1) ++duplicated;
  }
  int unexpected = 0;
  for (const auto& [id, n] : copies) unexpected += committed.count(id) ? 0 : n;
  EXPECT_EQ(missing, 0) << "committed events never published";
  EXPECT_EQ(duplicated, 0) << "events published more than once";
  EXPECT_EQ(unexpected, 0) << "published events that were never committed";
  EXPECT_EQ(published.size(), committed.size());
  // Per key: values "key:seq" in offset order must have growing seq (one key, one partition).
  std::map<std::string, std::pair<int, int>> last;  // key -> (partition, seq)
  int out_of_order = 0;
  for (const auto& p : published) {
    auto colon = p.value.find(':');
    int seq = std::stoi(p.value.substr(colon + 1));
    auto it = last.find(p.key);
    if (it != last.end()) {
      EXPECT_EQ(it->second.first, p.partition) << "key " << p.key << " in two partitions";
      if (seq <= it->second.second) ++out_of_order;
    }
    last[p.key] = {p.partition, seq};
  }
  EXPECT_EQ(out_of_order, 0) << "events of a key published out of order";
}

class Relay {
 public:
  Relay(TestCluster& cluster, AppDb& app, std::string name, std::vector<std::string> extra = {},
        std::vector<std::string> env = {})
      : name_(std::move(name)), log_(fmt::format("{}/relay-{}.log", cluster.logDir(), name_)) {
    args_ = {"/usr/bin/env"};
    args_.insert(args_.end(), env.begin(), env.end());
    std::vector<std::string> own = {binDir() + "/mq-outbox-relay",
                                    "--name",
                                    name_,
                                    "--app-db",
                                    app.url(),
                                    "--metrics-port",
                                    std::to_string(freePort()),
                                    "--poll-interval",
                                    "20ms",
                                    "--retry-backoff",
                                    "100ms",
                                    "--retry-backoff-max",
                                    "500ms",
                                    "--lease",
                                    "2s",
                                    "--drain-timeout",
                                    "5s",
                                    "--log-level",
                                    "info"};
    args_.insert(args_.end(), own.begin(), own.end());
    if (std::find(extra.begin(), extra.end(), "--brokers") == extra.end()) {
      args_.insert(args_.end(), {"--brokers", joined(cluster.brokerAddresses())});
    }
    args_.insert(args_.end(), extra.begin(), extra.end());
    process_.start(args_, log_);
  }
  ChildProcess& process() { return process_; }
  std::string log() const { return process_.logText(); }

 private:
  std::string name_;
  std::string log_;
  std::vector<std::string> args_;
  ChildProcess process_;
};

// Waits until the outbox holds no pending or claimed row (failed ones may stay).
bool drained(AppDb& app, std::chrono::milliseconds patience) {
  return waitFor([&] { return app.count("status = 'pending'") == 0; }, patience);
}

// How often `needle` occurs in `text`.
int occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::map<int64_t, std::string> asMap(const std::vector<std::pair<int64_t, std::string>>& events) {
  return std::map<int64_t, std::string>(events.begin(), events.end());
}

TEST(Outbox, CommittedEventIsPublishedOnceAndARolledBackOneNever) {
  TestCluster cluster;
  cluster.createTopic("orders", 2);
  AppDb app(cluster);
  OrderService service(app);
  auto committed = service.placeOrders("alice", 2, false);
  auto rolled_back = service.placeOrders("bob", 3, true);
  EXPECT_EQ(app.count("1"), 2) << "the rolled back events are not in the outbox";

  Relay relay(cluster, app, "relay-1");
  ASSERT_TRUE(drained(app, 15s)) << relay.log();
  auto published = readTopic(cluster, "orders", 2, 2);
  expectExactlyOnceInKeyOrder(published, asMap(committed));
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].key, "alice");
  EXPECT_EQ(published[0].value, "alice:0");
  EXPECT_EQ(relay.process().stop(), 0) << relay.log();
  auto status = OutboxAdmin(app.url()).status();
  EXPECT_EQ(status.claimed, 0);
  ASSERT_EQ(status.relays.size(), 1u);
  EXPECT_EQ(status.relays[0].lease_expires_ms, 0) << "a clean stop releases the name";
}

TEST(Outbox, RelayPublishesOverTls) {
  const auto certificates = makeTestCertificates(
      fmt::format("{}/outbox_test-{}-certificates", MQ_TEST_WORK_DIR, getpid()));
  ClusterOptions options;
  options.tls = certificates.server();
  options.client_tls = certificates.client();
  TestCluster cluster(options);
  cluster.createTopic("orders", 2);
  AppDb app(cluster);
  OrderService service(app);
  auto committed = service.placeOrders("alice", 20, false);
  auto more = service.placeOrders("bob", 20, false);
  committed.insert(committed.end(), more.begin(), more.end());

  Relay relay(cluster, app, "relay-tls", tlsClientArgs(certificates.client()));
  ASSERT_TRUE(drained(app, 15s)) << relay.log();
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 2, 40), asMap(committed));
  EXPECT_EQ(relay.process().stop(), 0) << relay.log();
}

TEST(Outbox, HistoryModeKeepsPublishedEventsWithTheirOffsets) {
  TestCluster cluster;
  cluster.createTopic("orders", 1);
  AppDb app(cluster);
  OrderService service(app);
  auto committed = service.placeOrders("carol", 3, false);
  Relay relay(cluster, app, "relay-h", {"--on-publish", "history"});
  ASSERT_TRUE(drained(app, 15s)) << relay.log();
  auto db = app.pool().acquire();
  auto rows = db->query(
      "SELECT id, published_partition, published_offset, relay FROM mq_outbox_history "
      "ORDER BY id");
  int64_t expected_offset = 0;
  int count = 0;
  while (rows->next()) {
    EXPECT_EQ(rows->getInt64(1), committed[count].first);
    EXPECT_EQ(rows->getInt(2), 0);
    EXPECT_EQ(rows->getInt64(3), expected_offset++);
    EXPECT_EQ(std::string(rows->getString(4)), "relay-h");
    ++count;
  }
  EXPECT_EQ(count, 3);
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 1, 3), asMap(committed));
}

// A relay killed with kill -9 at random moments, or exiting right between publishing a claim
// and deleting its rows (the test hook), 24 times, while the application keeps writing (and
// sometimes rolling back); with `steady`, a second relay runs all along, and the claim
// buckets move between the two at every death (lease expiry) and restart.
void killRelayAtRandomMoments(bool steady) {
  TestCluster cluster;
  cluster.createTopic("orders", 4);
  AppDb app(cluster);
  OrderService service(app);
  std::mutex mutex;
  std::map<int64_t, std::string> committed;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    std::mt19937 random(7);
    while (writing) {
      std::string customer = fmt::format("c{}", random() % 25);
      bool rollback = random() % 5 == 0;
      auto events = service.placeOrders(customer, 1 + static_cast<int>(random() % 4), rollback);
      if (!rollback) {
        std::lock_guard<std::mutex> lock(mutex);
        for (auto& [id, value] : events) committed[id] = value;
      }
    }
  });

  std::optional<Relay> steady_relay;
  if (steady)
    steady_relay.emplace(cluster, app, "relay-steady",
                         std::vector<std::string>{"--batch-size", "50"});
  std::mt19937 random(11);
  int crashes_after_publish = 0;
  for (int i = 0; i < 24; ++i) {
    std::vector<std::string> env;
    const bool hook = i % 2 == 0;
    if (hook) env.push_back(fmt::format("MQ_OUTBOX_TEST_EXIT_AFTER_PUBLISH={}", 1 + random() % 3));
    Relay relay(cluster, app, "relay-1", {"--batch-size", "50"}, env);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 400));
    // With the hook the relay exits by itself once it has published that many claims: wait
    // for it (a loaded machine may take seconds to get there); without, kill it now.
    int status = relay.process().wait(hook ? 20000 : 0);
    if (status == -1) {
      relay.process().signal(SIGKILL);
      status = relay.process().wait(5000);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 86) {
      ++crashes_after_publish;
    } else {
      ADD_FAILURE() << "relay exited on its own with status " << status << "\n" << relay.log();
    }
    // Now and then it stays dead past its lease (2 s), until the steady relay has taken its
    // claims and all the buckets over; the restart takes half of them back.
    if (steady && i % 8 == 7) {
      const auto alone = [&] { return occurrences(steady_relay->log(), "\"live_relays\":1,"); };
      const int before = alone();
      EXPECT_TRUE(waitFor([&] { return alone() > before; }, 15s))
          << "the steady relay did not take the buckets over\n"
          << steady_relay->log();
    }
  }
  writing = false;
  writer.join();
  EXPECT_GE(crashes_after_publish, 5) << "the publish/delete window was hit";

  Relay last(cluster, app, "relay-1");
  ASSERT_TRUE(drained(app, 60s)) << last.log();
  EXPECT_EQ(last.process().stop(), 0) << last.log();
  if (steady_relay) {
    EXPECT_EQ(steady_relay->process().stop(), 0) << steady_relay->log();
    const std::string log = steady_relay->log();
    EXPECT_NE(log.find("takes over a relay whose lease expired"), std::string::npos) << log;
    EXPECT_GE(occurrences(log, "\"live_relays\":1,") + occurrences(log, "\"live_relays\":2,"), 4)
        << "the buckets moved between the relays";
  }
  auto status = OutboxAdmin(app.url()).status();
  EXPECT_EQ(status.claimed, 0) << "nothing is left claimed";
  EXPECT_EQ(status.pending, 0);
  EXPECT_EQ(status.failed, 0);
  ASSERT_GT(committed.size(), 100u);
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 4, committed.size()), committed);
}

TEST(Outbox, RelayKilledAtRandomMomentsPublishesEveryEventOnceInKeyOrder) {
  killRelayAtRandomMoments(false);
}

TEST(Outbox, RelayKilledAtRandomMomentsBesideASteadyRelayKeepsExactlyOnceAndKeyOrder) {
  killRelayAtRandomMoments(true);
}

TEST(Outbox, ProduceWhoseReplyIsLostAfterTheCommitIsRetriedWithoutADuplicate) {
  TestCluster cluster;
  cluster.createTopic("orders", 2);
  AppDb app(cluster);
  OrderService service(app);
  std::map<int64_t, std::string> committed;
  for (int i = 0; i < 10; ++i) {
    for (auto& [id, value] : service.placeOrders(fmt::format("c{}", i % 3), 3, false)) {
      committed[id] = value;
    }
  }
  ReplyDroppingProxy proxy(cluster.brokerPort(0), 2);
  // The relay talks to the broker only through the proxy.
  Relay relay(cluster, app, "relay-lossy",
              {"--brokers", fmt::format("127.0.0.1:{}", proxy.port()), "--batch-size", "10"});
  ASSERT_TRUE(drained(app, 30s)) << relay.log();
  EXPECT_EQ(proxy.dropped(), 2) << "two produce replies were lost after their commit";
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 2, committed.size()), committed);
  EXPECT_EQ(relay.process().stop(), 0) << relay.log();
}

TEST(Outbox, TwoRelaysOnOneOutboxNeverPublishTwiceAndBothMakeProgress) {
  TestCluster cluster;
  cluster.createTopic("orders", 4);
  AppDb app(cluster);
  OrderService service(app);
  std::map<int64_t, std::string> committed;
  for (int i = 0; i < 300; ++i) {
    for (auto& [id, value] : service.placeOrders(fmt::format("c{}", i % 40), 10, false)) {
      committed[id] = value;
    }
  }
  Relay a(cluster, app, "relay-a", {"--batch-size", "100", "--on-publish", "history"});
  Relay b(cluster, app, "relay-b", {"--batch-size", "100", "--on-publish", "history"});
  ASSERT_TRUE(drained(app, 60s)) << a.log() << b.log();
  EXPECT_EQ(a.process().stop(), 0) << a.log();
  EXPECT_EQ(b.process().stop(), 0) << b.log();
  auto db = app.pool().acquire();
  auto rows = db->query("SELECT relay, COUNT(*) FROM mq_outbox_history GROUP BY relay");
  std::map<std::string, int64_t> by_relay;
  while (rows->next()) by_relay[std::string(rows->getString(1))] = rows->getInt64(2);
  EXPECT_GT(by_relay["relay-a"], 0) << "relay-a made progress";
  EXPECT_GT(by_relay["relay-b"], 0) << "relay-b made progress";
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 4, committed.size()), committed);
}

// Waits until `relay`'s log says it shares the buckets with `relays` live relays.
bool sharesWith(const Relay& relay, int relays, std::chrono::milliseconds patience) {
  const std::string line = fmt::format("\"live_relays\":{}", relays);
  return waitFor([&] { return relay.log().find(line) != std::string::npos; }, patience);
}

// Two live relays split the claim buckets: each publishes exactly the keys of its buckets,
// so neither holds the other's keys back (docs/outbox.md, "Several relays").
TEST(Outbox, TwoLiveRelaysShareTheClaimBucketsAndEachKeyIsPublishedByItsBucketsRelay) {
  TestCluster cluster;
  cluster.createTopic("orders", 4);
  AppDb app(cluster);
  OrderService service(app);
  Relay a(cluster, app, "relay-a", {"--batch-size", "50", "--on-publish", "history"});
  Relay b(cluster, app, "relay-b", {"--batch-size", "50", "--on-publish", "history"});
  ASSERT_TRUE(sharesWith(a, 2, 15s)) << a.log();
  ASSERT_TRUE(sharesWith(b, 2, 15s)) << b.log();
  std::map<int64_t, std::string> committed;
  for (int i = 0; i < 200; ++i) {
    for (auto& [id, value] : service.placeOrders(fmt::format("c{}", i % 64), 5, false)) {
      committed[id] = value;
    }
  }
  ASSERT_TRUE(drained(app, 60s)) << a.log() << b.log();
  EXPECT_EQ(a.process().stop(), 0) << a.log();
  EXPECT_EQ(b.process().stop(), 0) << b.log();

  // The relay with the smaller id claims the even buckets, the other the odd ones.
  auto db = app.pool().acquire();
  auto rows = db->query(
      "SELECT h.relay, CRC32(CONCAT(h.topic, x'00', h.msg_key)) % 16 % 2 = "
      "(r.id <> (SELECT MIN(id) FROM mq_outbox_relays)), COUNT(*), COUNT(DISTINCT h.msg_key) "
      "FROM mq_outbox_history h JOIN mq_outbox_relays r ON r.name = h.relay "
      "GROUP BY 1, 2");
  std::map<std::string, int64_t> in_share;
  std::map<std::string, int64_t> keys;
  int64_t outside = 0;
  while (rows->next()) {
    const std::string relay(rows->getString(1));
    if (rows->getBoolean(2)) {
      in_share[relay] += rows->getInt64(3);
      keys[relay] += rows->getInt64(4);
    } else {
      outside += rows->getInt64(3);
    }
  }
  EXPECT_EQ(outside, 0) << "events published by the relay whose share their bucket is not";
  EXPECT_EQ(in_share["relay-a"] + in_share["relay-b"], static_cast<int64_t>(committed.size()));
  EXPECT_GT(keys["relay-a"], 0) << "relay-a published keys of its buckets";
  EXPECT_GT(keys["relay-b"], 0) << "relay-b published keys of its buckets";
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 4, committed.size()), committed);
}

// An outbox table created before claim buckets is relayed as it is (claims over the whole
// table), and `mqctl outbox init` upgrades it in place, pending rows included.
TEST(Outbox, AnOutboxFromBeforeClaimBucketsIsRelayedAndUpgradedByInit) {
  TestCluster cluster;
  cluster.createTopic("orders", 2);
  AppDb app(cluster);
  const auto upgraded = [&] { return OutboxAdmin(app.url()).status().claim_buckets; };
  {
    auto db = app.pool().acquire();  // the layout of the earlier version
    db->execute(
        "ALTER TABLE mq_outbox DROP KEY by_claim, DROP COLUMN claim_bucket, "
        "ADD KEY by_claim (status, id)");
  }
  ASSERT_FALSE(upgraded());
  OrderService service(app);
  auto committed = asMap(service.placeOrders("dave", 20, false));
  {
    Relay old_layout(cluster, app, "relay-old");
    ASSERT_TRUE(drained(app, 30s)) << old_layout.log();
    EXPECT_NE(old_layout.log().find("has no claim buckets"), std::string::npos) << old_layout.log();
    EXPECT_EQ(old_layout.process().stop(), 0) << old_layout.log();
  }
  for (auto& [id, value] : service.placeOrders("erin", 20, false)) committed[id] = value;
  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"outbox", "init", "--db", app.url()}, &out, &err), 0) << err;
  EXPECT_NE(out.find("upgraded mq_outbox: claim buckets added"), std::string::npos) << out;
  EXPECT_TRUE(upgraded());
  ASSERT_EQ(cluster.mqctl({"outbox", "init", "--db", app.url(), "--json"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"upgraded\":false"), std::string::npos) << "once only: " << out;
  EXPECT_EQ(app.count("status = 'pending'"), 20);
  EXPECT_EQ(app.count("claim_bucket = key_hash % 16"), 20) << "buckets of the pending rows";
  Relay relay(cluster, app, "relay-new");
  ASSERT_TRUE(sharesWith(relay, 1, 15s)) << relay.log();
  ASSERT_TRUE(drained(app, 30s)) << relay.log();
  EXPECT_EQ(relay.process().stop(), 0) << relay.log();
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 2, committed.size()), committed);
}

TEST(Outbox, ZombieRelayWithAnOldEpochIsRefused) {
  TestCluster cluster;
  cluster.createTopic("orders", 2);
  AppDb app(cluster);
  OrderService service(app);
  std::map<int64_t, std::string> committed;
  for (int i = 0; i < 200; ++i) {
    for (auto& [id, value] : service.placeOrders(fmt::format("c{}", i % 10), 5, false)) {
      committed[id] = value;
    }
  }
  Relay zombie(cluster, app, "relay-z", {"--batch-size", "20"});
  // Freeze it while it holds claims (a long GC pause, a stalled VM).
  auto deadline = SteadyClock::now() + 10s;
  while (app.count("claimed_by <> 0") == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  zombie.process().signal(SIGSTOP);
  ASSERT_GT(app.count("claimed_by <> 0"), 0);

  // The replacement takes the name over: it finishes the frozen instance's claims with their
  // stamps, bumps the producer epoch and publishes the rest.
  Relay successor(cluster, app, "relay-z");
  ASSERT_TRUE(drained(app, 30s)) << successor.log();
  zombie.process().signal(SIGCONT);
  int status = zombie.process().wait(15000);
  ASSERT_NE(status, -1) << "the zombie must stop by itself\n" << zombie.log();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << zombie.log();
  const std::string log = zombie.log();
  EXPECT_TRUE(log.find("PRODUCER_FENCED") != std::string::npos ||
              log.find("superseded") != std::string::npos)
      << log;
  EXPECT_EQ(successor.process().stop(), 0) << successor.log();
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 2, committed.size()), committed);

  // Whatever the zombie still has in flight, the broker refuses its epoch.
  std::smatch identity;
  const std::regex ready(R"(producer ready","relay":"relay-z","producer_id":(\d+),"epoch":(\d+))");
  ASSERT_TRUE(std::regex_search(log, identity, ready)) << log;
  rpc::PartitionBatch batch;
  batch.topic = "orders";
  batch.partition = 0;
  batch.__set_producer_id(std::stoll(identity[1]));
  batch.__set_producer_epoch(static_cast<int16_t>(std::stoi(identity[2])));
  batch.__set_base_sequence(0);
  batch.messages.resize(1);
  batch.messages[0].value = "zombie";
  rpc::ProduceRequest request;
  request.header.client_id = "zombie";
  request.batches = {batch};
  rpc::ProduceResponse response;
  (*cluster.brokerClient())->produce(response, request);
  ASSERT_EQ(response.results.size(), 1u);
  EXPECT_EQ(response.results[0].error, rpc::ErrorCode::PRODUCER_FENCED)
      << response.results[0].error_message;
}

TEST(Outbox, ADeadRelaysClaimsAreFinishedByAnotherRelay) {
  TestCluster cluster;
  cluster.createTopic("orders", 2);
  AppDb app(cluster);
  OrderService service(app);
  std::map<int64_t, std::string> committed;
  for (int i = 0; i < 40; ++i) {
    for (auto& [id, value] : service.placeOrders(fmt::format("c{}", i % 7), 5, false)) {
      committed[id] = value;
    }
  }
  {
    // Dies right after publishing its first claim, before deleting it, and never returns.
    Relay dead(cluster, app, "relay-dead", {"--batch-size", "30"},
               {"MQ_OUTBOX_TEST_EXIT_AFTER_PUBLISH=1"});
    int status = dead.process().wait(15000);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 86) << dead.log();
  }
  ASSERT_GT(app.count("claimed_by = (SELECT id FROM mq_outbox_relays WHERE name = 'relay-dead')"),
            0);
  Relay survivor(cluster, app, "relay-alive");
  ASSERT_TRUE(drained(app, 30s)) << survivor.log();
  // The rows are gone as soon as the takeover deleted them; it logs its end only after it
  // has fenced the dead relay's producer and released its name (a broker call later).
  const auto logged = [&] {
    return survivor.log().find("finished the claims of a dead relay") != std::string::npos;
  };
  EXPECT_TRUE(waitFor(logged, 15s)) << survivor.log();
  EXPECT_EQ(survivor.process().stop(), 0) << survivor.log();
  auto status = OutboxAdmin(app.url()).status();
  EXPECT_EQ(status.claimed, 0);
  for (const auto& relay : status.relays) {
    EXPECT_EQ(relay.lease_expires_ms, 0) << relay.name << " still holds a lease";
  }
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 2, committed.size()), committed);
}

TEST(Outbox, EventThatCannotBePublishedIsFailedListedAndRetried) {
  TestCluster cluster;
  AppDb app(cluster);
  OrderService service(app);
  auto events = service.placeOrders("dave", 2, false, "invoices");
  Relay relay(cluster, app, "relay-f", {"--max-attempts", "2"});
  auto deadline = SteadyClock::now() + 15s;
  while (app.count("status = 'failed'") == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(app.count("status = 'failed'"), 1) << "the first event failed";
  EXPECT_EQ(app.count("status = 'pending' AND claimed_by = 0"), 1)
      << "the second waits behind it (per-key order)";

  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"outbox", "failed", "--db", app.url()}, &out, &err), 0) << err;
  EXPECT_NE(out.find(std::to_string(events[0].first)), std::string::npos) << out;
  EXPECT_NE(out.find("unknown topic `invoices`"), std::string::npos) << out;

  cluster.createTopic("invoices", 1);
  ASSERT_EQ(cluster.mqctl({"outbox", "retry", "--db", app.url(), "--all"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("1 event put back"), std::string::npos) << out;
  ASSERT_TRUE(drained(app, 15s)) << relay.log();
  EXPECT_EQ(app.count("1"), 0);
  expectExactlyOnceInKeyOrder(readTopic(cluster, "invoices", 1, 2), asMap(events));
  EXPECT_EQ(relay.process().stop(), 0) << relay.log();
}

TEST(Outbox, EventTheBrokersRefuseAsTooLargeFailsAloneAndTheOthersGoOn) {
  // The brokers accept 2 KiB; the relay is configured for more, so the broker refuses the
  // batch: only the large event fails, the rest of its batch is published, the partition's
  // sequence goes on, and the large event keeps its key's later event back.
  ClusterOptions options;
  options.broker_args = {"--max-message-bytes", "2048"};
  TestCluster cluster(options);
  cluster.createTopic("orders", 1);
  AppDb app(cluster);
  OrderService service(app);
  std::map<int64_t, std::string> expected;
  auto keep = [&](const std::vector<std::pair<int64_t, std::string>>& events) {
    for (const auto& [id, value] : events) expected[id] = value;
  };
  keep(service.placeOrders("alice", 1, false));
  auto big = service.placeOrders("big", 1, false, "orders", 4000);
  keep(service.placeOrders("alice", 1, false));
  keep(service.placeOrders("bob", 1, false));
  auto held_back = service.placeOrders("big", 1, false);
  keep(service.placeOrders("bob", 1, false));
  Relay relay(cluster, app, "relay-big", {"--batch-size", "50"});
  auto deadline = SteadyClock::now() + 15s;
  while ((app.count("status = 'failed'") == 0 || app.count("claimed_by <> 0") > 0) &&
         SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(app.count("status = 'failed'"), 1) << relay.log();
  EXPECT_EQ(app.count(fmt::format("id = {} AND status = 'failed'", big[0].first)), 1);
  EXPECT_EQ(app.count(fmt::format("id = {} AND status = 'pending'", held_back[0].first)), 1)
      << "the large event keeps its key's later event back";
  // The relay goes on: a new event is published after the refused batch.
  keep(service.placeOrders("carol", 1, false));
  deadline = SteadyClock::now() + 15s;
  while (app.count("status = 'pending'") > 1 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  expectExactlyOnceInKeyOrder(readTopic(cluster, "orders", 1, expected.size()), expected);
  EXPECT_EQ(relay.process().stop(), 0) << relay.log();
}

}  // namespace
}  // namespace mq::test
