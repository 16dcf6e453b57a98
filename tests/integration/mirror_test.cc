// mq-mirror between two complete clusters on this machine (each its own metadata and
// datanode databases, metaserver and broker; docs/multi-cluster.md): exactly-once copies
// through kill -9s of the mirror, a consumer group moved with translated offsets, and two
// clusters mirroring each other's topics without a loop.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "mq/client.h"
#include "tests/harness/eventually.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_certificates.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::OffsetReset;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

using namespace std::chrono_literals;

ClusterOptions named(const std::string& name) {
  ClusterOptions options;
  options.metaserver_args = {"--cluster-name", name};
  return options;
}

ClientConfig clientOf(TestCluster& cluster) {
  ClientConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.client_id = "mirror-test";
  config.tls = cluster.clientTls();
  return config;
}

// One mq-mirror process; restartable after a kill.
class MirrorProcess {
 public:
  MirrorProcess(TestCluster& source, TestCluster& target, std::vector<std::string> args,
                const std::string& log_name)
      : metrics_port_(freePort()), log_(source.logDir() + "/" + log_name + ".log") {
    args_ = {binDir() + "/mq-mirror",       "--source-metaserver",      source.metaserverAddress(),
             "--target-metaserver",         target.metaserverAddress(), "--metrics-port",
             std::to_string(metrics_port_), "--session-timeout",        "3s"};
    args_.insert(args_.end(), args.begin(), args.end());
  }
  void start() {
    process_ = std::make_unique<ChildProcess>();
    process_->start(args_, log_);
    ASSERT_TRUE(waitForPort(metrics_port_, 20000)) << "mq-mirror did not start; see " << log_;
  }
  void kill9() {
    process_->signal(SIGKILL);
    process_->wait(10000);
  }
  int stop() { return process_->stop(20000); }
  int metricsPort() const { return metrics_port_; }
  const std::string& log() const { return log_; }

 private:
  int metrics_port_;
  std::string log_;
  std::vector<std::string> args_;
  std::unique_ptr<ChildProcess> process_;
};

int64_t storedCount(AdminClient& admin, const std::string& topic) {
  int64_t total = 0;
  try {
    for (const auto& p : admin.topicOffsets(topic)) total += p.end_offset - p.start_offset;
  } catch (const Error&) {
    return -1;  // not created yet
  }
  return total;
}

// Every stored message of `topic`, per partition in offset order.
std::map<int, std::vector<ConsumedMessage>> readAll(TestCluster& cluster,
                                                    const std::string& topic) {
  AdminClient admin(clientOf(cluster));
  auto offsets = admin.topicOffsets(topic);
  ConsumerConfig config;
  static_cast<ClientConfig&>(config) = clientOf(cluster);
  config.lane = "*";
  config.max_poll_messages = 5000;
  Consumer consumer(config);
  std::vector<TopicPartition> partitions;
  for (const auto& p : offsets) partitions.push_back(p.partition);
  consumer.assign(partitions);
  for (const auto& p : offsets) consumer.seek(p.partition, p.start_offset);
  std::map<int, std::vector<ConsumedMessage>> out;
  int64_t wanted = 0;
  for (const auto& p : offsets) wanted += p.end_offset - p.start_offset;
  int64_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (got < wanted && std::chrono::steady_clock::now() < deadline) {
    for (auto& m : consumer.poll(1000ms)) {
      ++got;
      out[m.partition].push_back(std::move(m));
    }
  }
  consumer.close();
  return out;
}

const std::string& header(const ConsumedMessage& m, const std::string& name) {
  static const std::string none;
  auto it = m.headers.find(name);
  return it == m.headers.end() ? none : it->second;
}

TEST(Mirror, CopiesEveryMessageExactlyOnceInOrderThroughThreeKillNines) {
  TestCluster east(named("east"));
  TestCluster west(named("west"));
  east.createTopic("orders", 4);
  constexpr int kMessages = 100000;

  // The source is written while the mirror runs and dies.
  std::atomic<int> produced{0};
  std::thread writer([&] {
    ProducerConfig config;
    static_cast<ClientConfig&>(config) = clientOf(east);
    Producer producer(config);
    for (int i = 0; i < kMessages; ++i) {
      ProducerRecord record;
      record.topic = "orders";
      record.key = "k" + std::to_string(i % 97);
      record.value = "m" + std::to_string(i);
      record.headers = {{"seq", std::to_string(i)}};
      record.timestamp_ms = 1700000000000 + i;
      producer.sendAsync(std::move(record));
      produced = i + 1;
      if (i % 500 == 499) {
        producer.flush();
        std::this_thread::sleep_for(20ms);
      }
    }
    producer.flush();
  });

  MirrorProcess mirror(east, west,
                       {"--topics", "orders", "--source-cluster", "east", "--target-cluster",
                        "west", "--checkpoint-groups", ""},
                       "mirror");
  mirror.start();
  AdminClient target(clientOf(west));
  for (int kill = 1; kill <= 3; ++kill) {
    const int64_t reach = kMessages * kill / 4;
    ASSERT_TRUE(eventually(60s, [&] { return storedCount(target, "orders") >= reach; }))
        << "the mirror did not copy " << reach << " messages; see " << mirror.log();
    mirror.kill9();
    mirror.start();
  }
  writer.join();
  ASSERT_TRUE(eventually(120s, [&] { return storedCount(target, "orders") >= kMessages; }))
      << storedCount(target, "orders") << " of " << kMessages << " copied; see " << mirror.log();
  std::this_thread::sleep_for(1500ms);  // a duplicate would show up now

  // Same partition count; every source message once, in source order, with its key, value,
  // headers and timestamp, and provenance pointing back at it.
  EXPECT_EQ(target.describeTopic("orders").partitions.size(), 4u);
  auto source = readAll(east, "orders");
  auto copies = readAll(west, "orders");
  int64_t total = 0;
  int64_t duplicates = 0;
  for (int p = 0; p < 4; ++p) {
    const auto& originals = source[p];
    const auto& copied = copies[p];
    std::set<int64_t> seen;
    int64_t previous = -1;
    for (const auto& c : copied) {
      ++total;
      EXPECT_EQ(header(c, "mq-mirror-source-cluster"), "east");
      EXPECT_EQ(header(c, "mq-mirror-origin"), "east");
      EXPECT_EQ(header(c, "mq-mirror-source-topic"), "orders");
      EXPECT_EQ(header(c, "mq-mirror-source-partition"), std::to_string(p));
      const int64_t offset = std::stoll(header(c, "mq-mirror-source-offset"));
      if (!seen.insert(offset).second) ++duplicates;
      EXPECT_GT(offset, previous) << "partition " << p << " out of order";
      previous = offset;
      ASSERT_LT(offset, static_cast<int64_t>(originals.size()));
      const auto& o = originals[offset];
      ASSERT_EQ(o.offset, offset);
      EXPECT_EQ(c.key, o.key);
      EXPECT_EQ(c.value, o.value);
      EXPECT_EQ(header(c, "seq"), header(o, "seq"));
      EXPECT_EQ(c.timestamp_ms, o.timestamp_ms);
    }
    EXPECT_EQ(seen.size(), originals.size()) << "partition " << p << " is missing copies";
  }
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(total, kMessages);
  std::cout << "copied " << total << " messages through 3 kill -9s, duplicates " << duplicates
            << "\n";

  // Lag metrics of every partition come down to 0; resumes were counted.
  EXPECT_TRUE(eventually(15s, [&] {
    return metricSum(mirror.metricsPort(), "mq_mirror_lag_messages") == 0 &&
           metricSum(mirror.metricsPort(), "mq_mirror_partitions") == 4;
  }));
  EXPECT_GT(metricSum(mirror.metricsPort(), "mq_mirror_partition_resumes_total"), 0);
  EXPECT_EQ(mirror.stop(), 0) << "SIGTERM should end the mirror cleanly";
}

TEST(Mirror, GroupMovesToTheTargetWithTranslatedOffsetsAndMissesNothing) {
  TestCluster east(named("east"));
  TestCluster west(named("west"));
  east.createTopic("payments", 2);
  ProducerConfig producer_config;
  static_cast<ClientConfig&>(producer_config) = clientOf(east);
  Producer producer(producer_config);
  auto produce = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      producer.sendAsync("payments", "p" + std::to_string(i), "k" + std::to_string(i % 13));
    }
    producer.flush();
  };
  produce(0, 2000);

  // The group consumes part of it on east and stops, its offsets committed.
  std::set<std::string> consumed_east;
  {
    ConsumerConfig config;
    static_cast<ClientConfig&>(config) = clientOf(east);
    config.group_id = "billing";
    config.enable_auto_commit = false;
    config.max_poll_messages = 100;
    config.session_timeout_ms = 6000;
    config.heartbeat_interval_ms = 2000;
    Consumer consumer(config);
    consumer.subscribe({"payments"});
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (consumed_east.size() < 1100 && std::chrono::steady_clock::now() < deadline) {
      for (const auto& m : consumer.poll(500ms)) consumed_east.insert(m.value);
    }
    consumer.commitSync();
    consumer.close();
  }
  ASSERT_GE(consumed_east.size(), 1100u);
  produce(2000, 3000);

  MirrorProcess mirror(
      east, west,
      {"--topics", "payments", "--checkpoint-groups", "billing", "--checkpoint-interval", "1s"},
      "mirror");
  mirror.start();
  AdminClient target(clientOf(west));
  ASSERT_TRUE(eventually(60s, [&] { return storedCount(target, "payments") >= 3000; }));
  // East goes on without the group; west must get those messages too.
  produce(3000, 3500);
  ASSERT_TRUE(eventually(60s, [&] { return storedCount(target, "payments") >= 3500; }));

  // The checkpoints (newest per partition) translate the committed offsets.
  std::string out, err;
  ASSERT_TRUE(eventually(30s,
                         [&] {
                           out.clear();
                           return west.mqctl(
                                      {"group", "translate-offsets", "billing", "--from-cluster",
                                       "east", "--to-cluster", "west", "--dry-run", "--json"},
                                      &out, &err) == 0 &&
                                  std::count(out.begin(), out.end(), '\n') == 2;
                         }))
      << out << err;
  std::this_thread::sleep_for(2500ms);  // two more checkpoint rounds: the newest is exact
  // Pointed at the wrong cluster, the command refuses.
  EXPECT_EQ(east.mqctl({"group", "translate-offsets", "billing", "--from-cluster", "east",
                        "--to-cluster", "west"},
                       &out, &err),
            1);
  EXPECT_NE(err.find("serves cluster `east`"), std::string::npos) << err;
  ASSERT_EQ(west.mqctl({"group", "translate-offsets", "billing", "--from-cluster", "east",
                        "--to-cluster", "west"},
                       &out, &err),
            0)
      << err;
  std::cout << out;

  // The group continues on west: together with what it read on east, nothing is missing.
  std::set<std::string> consumed_west;
  int64_t reread = 0;
  {
    ConsumerConfig config;
    static_cast<ClientConfig&>(config) = clientOf(west);
    config.group_id = "billing";
    config.auto_offset_reset = OffsetReset::kNone;  // it must start at the translated offsets
    Consumer consumer(config);
    consumer.subscribe({"payments"});
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (consumed_east.size() + consumed_west.size() - reread < 3500 &&
           std::chrono::steady_clock::now() < deadline) {
      for (const auto& m : consumer.poll(500ms)) {
        if (consumed_east.count(m.value)) ++reread;
        consumed_west.insert(m.value);
      }
    }
    consumer.close();
  }
  int missing = 0;
  for (int i = 0; i < 3500; ++i) {
    const std::string v = "p" + std::to_string(i);
    if (!consumed_east.count(v) && !consumed_west.count(v)) ++missing;
  }
  std::cout << "consumed on east " << consumed_east.size() << ", on west " << consumed_west.size()
            << ", re-read " << reread << ", missing " << missing << "\n";
  EXPECT_EQ(missing, 0);
  // The checkpoints come from the committed offsets exactly (the mirror had copied past them).
  EXPECT_EQ(reread, 0);
  EXPECT_GT(metricSum(mirror.metricsPort(), "mq_mirror_checkpoints_total"), 0);
  EXPECT_LT(metricSum(mirror.metricsPort(), "mq_mirror_checkpoint_age_seconds"), 5);
  EXPECT_EQ(mirror.stop(), 0);
}

TEST(Mirror, TwoClustersMirroringEachOthersTopicsDoNotLoop) {
  TestCluster east(named("east"));
  TestCluster west(named("west"));
  east.createTopic("shared.events", 2);
  west.createTopic("shared.events", 2);
  MirrorProcess east_to_west(east, west, {"--topic-prefixes", "shared."}, "east-to-west");
  MirrorProcess west_to_east(west, east, {"--topic-prefixes", "shared."}, "west-to-east");
  east_to_west.start();
  west_to_east.start();
  auto produce = [](TestCluster& cluster, const std::string& prefix, int count) {
    ProducerConfig config;
    static_cast<ClientConfig&>(config) = clientOf(cluster);
    Producer producer(config);
    for (int i = 0; i < count; ++i) {
      producer.sendAsync("shared.events", prefix + std::to_string(i), "k" + std::to_string(i));
    }
    producer.flush();
  };
  produce(east, "east-", 500);
  produce(west, "west-", 300);

  AdminClient east_admin(clientOf(east));
  AdminClient west_admin(clientOf(west));
  ASSERT_TRUE(eventually(60s, [&] {
    return storedCount(east_admin, "shared.events") >= 800 &&
           storedCount(west_admin, "shared.events") >= 800;
  }));
  // Both mirrors have seen the other's copies (and skipped them); nothing more arrives.
  ASSERT_TRUE(eventually(30s, [&] {
    return metricSum(east_to_west.metricsPort(), "mq_mirror_loop_skipped_messages_total") >= 300 &&
           metricSum(west_to_east.metricsPort(), "mq_mirror_loop_skipped_messages_total") >= 500;
  }));
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(storedCount(east_admin, "shared.events"), 800);
  EXPECT_EQ(storedCount(west_admin, "shared.events"), 800);
  for (auto* cluster : {&east, &west}) {
    std::set<std::string> values;
    for (const auto& [p, messages] : readAll(*cluster, "shared.events")) {
      for (const auto& m : messages) values.insert(m.value);
    }
    EXPECT_EQ(values.size(), 800u);
  }
  EXPECT_EQ(east_to_west.stop(), 0);
  EXPECT_EQ(west_to_east.stop(), 0);
}

// A number, not a timing assertion (docs/multi-cluster.md#throughput): the mirror's copy rate
// beside the rate the same producer settings reach into the target directly.
TEST(Mirror, ThroughputBesideTheTargetsProduceRate) {
  TestCluster east(named("east"));
  TestCluster west(named("west"));
  constexpr int kMessages = 20000;
  const std::string value(200, 'v');
  east.createTopic("bench", 4);
  west.createTopic("direct", 4);
  auto produce = [&](TestCluster& cluster, const std::string& topic) {
    ProducerConfig config;
    static_cast<ClientConfig&>(config) = clientOf(cluster);
    config.enable_idempotence = true;
    config.batch_size = 1000;
    Producer producer(config);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kMessages; ++i) {
      producer.sendAsync(topic, value, "k" + std::to_string(i % 1000));
    }
    producer.flush();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double direct_seconds = produce(west, "direct");
  produce(east, "bench");

  MirrorProcess mirror(east, west, {"--topics", "bench", "--checkpoint-groups", ""}, "mirror");
  mirror.start();
  AdminClient target(clientOf(west));
  ASSERT_TRUE(eventually(60s, [&] { return storedCount(target, "bench") > 0; }));
  const auto first = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(120s, [&] { return storedCount(target, "bench") >= kMessages; }));
  const double mirror_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  const double direct_rate = kMessages / direct_seconds;
  const double mirror_rate = kMessages / mirror_seconds;
  std::cout << "target produce rate " << static_cast<int64_t>(direct_rate)
            << " msg/s, mirror copy rate " << static_cast<int64_t>(mirror_rate) << " msg/s, ratio "
            << mirror_rate / direct_rate << " (" << kMessages
            << " messages of 200 bytes, 4 partitions)\n";
  EXPECT_EQ(storedCount(target, "bench"), kMessages);
  EXPECT_EQ(mirror.stop(), 0);
}

// The source cluster takes only TLS clients with a certificate its CA signed (mutual TLS);
// the mirror reaches it with --source-tls-*, and the target in plaintext.
TEST(Mirror, CopiesFromAClusterThatRequiresMutualTls) {
  const TestCertificates certificates =
      makeTestCertificates(fmt::format("{}/mirror_tls-{}", MQ_TEST_WORK_DIR, getpid()));
  ClusterOptions secure = named("east");
  secure.tls = certificates.server(/*require_client_cert=*/true);
  secure.client_tls = certificates.client(/*with_certificate=*/true);
  TestCluster east(secure);
  TestCluster west(named("west"));
  east.createTopic("secure", 2);
  {
    ProducerConfig config;
    static_cast<ClientConfig&>(config) = clientOf(east);
    Producer producer(config);
    for (int i = 0; i < 1000; ++i) producer.sendAsync("secure", "s" + std::to_string(i));
    producer.flush();
  }
  std::vector<std::string> args = {"--topics", "secure", "--checkpoint-groups", ""};
  for (const auto& arg : tlsClientArgs(east.clientTls())) {
    args.push_back(arg.rfind("--", 0) == 0 ? "--source-" + arg.substr(2) : arg);
  }
  MirrorProcess mirror(east, west, args, "mirror-tls");
  mirror.start();
  AdminClient target(clientOf(west));
  ASSERT_TRUE(eventually(60s, [&] { return storedCount(target, "secure") >= 1000; }))
      << "see " << mirror.log();
  std::set<std::string> values;
  for (const auto& [p, messages] : readAll(west, "secure")) {
    for (const auto& m : messages) values.insert(m.value);
  }
  EXPECT_EQ(values.size(), 1000u);
  EXPECT_EQ(storedCount(target, "secure"), 1000);
  EXPECT_EQ(mirror.stop(), 0);

  // A TLS file that cannot be read stops start-up, naming the option of that cluster.
  std::string out, err;
  EXPECT_EQ(runCommand({binDir() + "/mq-mirror", "--source-metaserver", east.metaserverAddress(),
                        "--target-metaserver", west.metaserverAddress(), "--topics", "secure",
                        "--target-tls-ca", "/nonexistent/ca.pem"},
                       "", &out, &err),
            2);
  EXPECT_NE(err.find("target-tls-ca `/nonexistent/ca.pem`: cannot read it"), std::string::npos)
      << err;
}

TEST(Mirror, RefusesToMirrorAClusterIntoItselfOrTheWrongCluster) {
  TestCluster east(named("east"));
  std::string out, err;
  const std::string mirror = binDir() + "/mq-mirror";
  const int port = freePort();
  EXPECT_EQ(runCommand(
                {mirror, "--source-metaserver", east.metaserverAddress(), "--target-metaserver",
                 east.metaserverAddress(), "--topics", "x", "--metrics-port", std::to_string(port)},
                "", &out, &err),
            1);
  EXPECT_NE(err.find("both cluster `east`"), std::string::npos) << err;
  EXPECT_EQ(runCommand({mirror, "--source-metaserver", east.metaserverAddress(),
                        "--target-metaserver", east.metaserverAddress(), "--topics", "x",
                        "--source-cluster", "west", "--metrics-port", std::to_string(port)},
                       "", &out, &err),
            1);
  EXPECT_NE(err.find("serves cluster `east`, not `west`"), std::string::npos) << err;
  EXPECT_EQ(runCommand({mirror, "--source-metaserver", "x:1", "--target-metaserver", "y:2"}, "",
                       &out, &err),
            2);
  EXPECT_NE(err.find("--topics or --topic-prefixes is required"), std::string::npos) << err;
  // mqctl shows the name.
  ASSERT_EQ(east.mqctl({"cluster", "info", "--json"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"name\":\"east\""), std::string::npos) << out;
}

}  // namespace
}  // namespace mq::test
