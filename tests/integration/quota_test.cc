// Rate quotas (docs/security.md#quotas) with real processes: a metaserver and a broker
// (`auth = off`, so a client is its client_id), quotas set through the metaserver's Thrift
// API and mqctl. A tenant over its quota is throttled (served, then held back), not refused:
// it stays near its rate while a tenant without a quota runs far above it, and every message
// of both is acknowledged and stored. Bad quota input is refused by name and changes nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kQuotaBytesPerSec = 256 << 10;
constexpr int kMessageBytes = 500;
constexpr int kPartitions = 2;

ClusterOptions quotaCluster() {
  ClusterOptions options;
  options.broker_args = {"--auth-refresh", "300ms"};
  return options;
}

rpc::QuotaEntry clientQuota(const std::string& client, int64_t produce, int64_t fetch = 0) {
  rpc::QuotaEntry entry;
  entry.entity_type = "client";
  entry.entity_name = client;
  entry.produce_bytes_per_sec = produce;
  entry.fetch_bytes_per_sec = fetch;
  return entry;
}

// What one tenant's producer did: every acknowledgement with its time.
struct TenantRun {
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, int64_t>> acks;  // time, bytes
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> acked{0};
  std::atomic<int64_t> failed{0};

  // Bytes per second acknowledged after `from` (the first burst is over by then): from the
  // first acknowledgement after `from` to the last one, counting what came after the first
  // (acknowledgements come in clumps, one per request; this counts whole intervals).
  double steadyRate(Clock::time_point from) {
    std::lock_guard<std::mutex> lock(mutex);
    Clock::time_point first{}, last{};
    int64_t bytes = 0;
    for (const auto& [at, size] : acks) {
      if (at < from) continue;
      if (first == Clock::time_point{}) {
        first = at;
        continue;
      }
      // Acknowledgements of the same response as the first one come within a millisecond.
      if (at - first < std::chrono::milliseconds(1)) continue;
      bytes += size;
      last = std::max(last, at);
    }
    if (last <= first) return 0;
    return static_cast<double>(bytes) / std::chrono::duration<double>(last - first).count();
  }
};

// Sends distinct messages to `topic` as fast as the producer takes them until `until`, then
// flushes. A small buffer makes a throttled producer block in sendAsync instead of queueing
// minutes of messages.
void produceAsFastAsPossible(const TestCluster& cluster, const std::string& client,
                             const std::string& topic, Clock::time_point until, TenantRun& run) {
  ProducerConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.client_id = client;
  config.batch_size = 100;
  config.buffer_bytes = 512 << 10;
  Producer producer(config);
  const std::string padding(kMessageBytes - 24, 'x');
  for (int64_t i = 0; Clock::now() < until; ++i) {
    std::string value = fmt::format("{}-{:012d}-", client, i) + padding;
    const int64_t bytes = static_cast<int64_t>(value.size());
    ProducerRecord record;
    record.topic = topic;
    record.value = std::move(value);
    producer.sendAsync(std::move(record), [&run, bytes](const SendResult*, const Error* error) {
      if (error != nullptr) {
        run.failed++;
        return;
      }
      run.acked++;
      std::lock_guard<std::mutex> lock(run.mutex);
      run.acks.emplace_back(Clock::now(), bytes);
    });
    run.sent++;
  }
  producer.flush();
}

int64_t storedMessages(TestCluster& cluster, const std::string& topic) {
  int64_t total = 0;
  for (const auto& [partition, end] : logEndOffsets(cluster, topic, kPartitions, 0)) total += end;
  return total;
}

class QuotaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new TestCluster(quotaCluster()); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  static AdminClient admin() {
    ClientConfig config;
    config.metaserver = cluster_->metaserverAddress();
    return AdminClient(config);
  }
  // Waits until the broker holds `entries` quota entries (it re-reads them every 300 ms).
  static void waitForEntries(int entries) {
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (metricSum(cluster_->brokerMetricsPort(0), "mq_broker_quota_entries") != entries) {
      ASSERT_LT(Clock::now(), deadline) << "the broker did not pick the quotas up";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  static void removeAllQuotas() {
    auto client = admin();
    for (const auto& quota : client.listQuotas()) {
      client.removeQuota(quota.entity_type, quota.entity_name);
    }
    waitForEntries(0);
  }

  static TestCluster* cluster_;
};

TestCluster* QuotaTest::cluster_ = nullptr;

TEST_F(QuotaTest, ProduceQuotaHoldsOneTenantNearItsRateTheOtherRunsFreeNothingIsLost) {
  cluster_->createTopic("quota-limited", kPartitions);
  cluster_->createTopic("quota-free", kPartitions);
  admin().setQuota(clientQuota("tenant-limited", kQuotaBytesPerSec));
  waitForEntries(1);

  TenantRun limited, free;
  const auto start = Clock::now();
  const auto until = start + std::chrono::seconds(8);
  std::thread a([&] {
    produceAsFastAsPossible(*cluster_, "tenant-limited", "quota-limited", until, limited);
  });
  std::thread b(
      [&] { produceAsFastAsPossible(*cluster_, "tenant-free", "quota-free", until, free); });
  a.join();
  b.join();

  // Measured after the first two seconds (the bucket starts with one second of burst).
  const double limited_rate = limited.steadyRate(start + std::chrono::seconds(2));
  const double free_rate = free.steadyRate(start + std::chrono::seconds(2));
  std::printf("quota %lld B/s: limited tenant %.0f B/s (%.2fx), free tenant %.0f B/s (%.1fx)\n",
              static_cast<long long>(kQuotaBytesPerSec), limited_rate,
              limited_rate / kQuotaBytesPerSec, free_rate, free_rate / kQuotaBytesPerSec);
  EXPECT_LE(limited_rate, 1.3 * kQuotaBytesPerSec);
  EXPECT_GE(limited_rate, 0.6 * kQuotaBytesPerSec) << "throttled, not starved";
  EXPECT_GE(free_rate, 3.0 * kQuotaBytesPerSec) << "the tenant without a quota is not held back";

  // Nothing refused, nothing lost: every send acknowledged, and exactly those stored.
  for (auto* run : {&limited, &free}) {
    EXPECT_EQ(run->failed.load(), 0);
    EXPECT_EQ(run->acked.load(), run->sent.load());
  }
  EXPECT_EQ(storedMessages(*cluster_, "quota-limited"), limited.acked.load());
  EXPECT_EQ(storedMessages(*cluster_, "quota-free"), free.acked.load());
  const auto seen = consumeAll(*cluster_, "quota-limited", kPartitions, 0);
  EXPECT_EQ(static_cast<int64_t>(seen.size()), limited.acked.load()) << "distinct values";

  // The broker counted the throttling, labelled by the quota entry; the free tenant has none.
  const int port = cluster_->brokerMetricsPort(0);
  EXPECT_GT(metricSum(port, "mq_broker_quota_throttled_requests_total",
                      {R"(entity="tenant-limited")", R"(quota="produce_bytes")"}),
            0);
  EXPECT_GT(
      metricSum(port, "mq_broker_quota_throttle_seconds_total", {R"(entity="tenant-limited")"}),
      1.0);
  EXPECT_EQ(
      metricSum(port, "mq_broker_quota_throttled_requests_total", {R"(entity="tenant-free")"}), 0);
  removeAllQuotas();
}

TEST_F(QuotaTest, MqctlSetsListsAndRemovesQuotas) {
  cluster_->createTopic("quota-cli", 1);
  std::string out, err;
  ASSERT_EQ(cluster_->mqctl({"quota", "set", "--client", "app-1", "--produce-rate", "1M",
                             "--request-rate", "50"},
                            &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("client `app-1`"), std::string::npos) << out;
  ASSERT_EQ(
      cluster_->mqctl({"quota", "set", "--topic", "quota-cli", "--fetch-rate", "2M"}, &out, &err),
      0)
      << err;
  ASSERT_EQ(
      cluster_->mqctl({"quota", "set", "--default-client", "--produce-rate", "64K"}, &out, &err), 0)
      << err;
  ASSERT_EQ(cluster_->mqctl({"quota", "list", "--json"}, &out, &err), 0) << err;
  EXPECT_NE(out.find(R"("entity_name":"app-1","produce_bytes_per_sec":1048576)"), std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("requests_per_sec":50)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("entity_name":"quota-cli","produce_bytes_per_sec":0,)"
                     R"("fetch_bytes_per_sec":2097152)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("entity_name":"*","produce_bytes_per_sec":65536)"), std::string::npos)
      << out;
  waitForEntries(3);

  ASSERT_EQ(cluster_->mqctl({"quota", "remove", "--client", "app-1"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("removed the quota of client `app-1`"), std::string::npos) << out;
  ASSERT_EQ(cluster_->mqctl({"quota", "list", "--json"}, &out, &err), 0) << err;
  EXPECT_EQ(out.find("app-1"), std::string::npos) << out;
  removeAllQuotas();
}

TEST_F(QuotaTest, MqctlRefusesBadQuotaInputByNameAndChangesNothing) {
  std::string out, err;
  ASSERT_EQ(
      cluster_->mqctl({"quota", "set", "--client", "keep", "--produce-rate", "4K/s"}, &out, &err),
      0)
      << err;
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"quota", "set", "--client", "keep", "--produce-rate", "10X"}, "--produce-rate expects"},
      {{"quota", "set", "--client", "keep", "--produce-rate", "10MB"}, "`10MB`"},
      {{"quota", "set", "--client", "keep", "--produce-rate", "-5"}, "--produce-rate must be"},
      {{"quota", "set", "--client", "keep", "--request-rate", "-1"}, "--request-rate must be"},
      {{"quota", "set", "--client", "keep", "--produce-rate", "100"},
       "produce bytes/s must be 0 (no limit) or between 1024"},
      {{"quota", "set", "--client", "keep"}, "at least one of --produce-rate"},
      {{"quota", "set", "--produce-rate", "4K"}, "exactly one of --client, --topic"},
      {{"quota", "set", "--client", "keep", "--topic", "t", "--produce-rate", "4K"},
       "exactly one of --client, --topic"},
      {{"quota", "set", "--topic", "no-such-topic", "--produce-rate", "4K"},
       "topic `no-such-topic` does not exist"},
      {{"quota", "set", "--topic", "bad/name", "--produce-rate", "4K"}, "bad/name"},
      {{"quota", "set", "--client", "two words", "--produce-rate", "4K"}, "without spaces"},
      {{"quota", "remove", "--client", "nobody"}, "there is no quota for client `nobody`"},
  };
  for (const auto& c : cases) {
    std::string command;
    for (const auto& arg : c.args) command += arg + " ";
    EXPECT_NE(cluster_->mqctl(c.args, &out, &err), 0) << command;
    EXPECT_NE(err.find(c.says), std::string::npos) << command << ": " << err;
  }
  // Still exactly the one quota, unchanged.
  const auto quotas = admin().listQuotas();
  ASSERT_EQ(quotas.size(), 1u);
  EXPECT_EQ(quotas[0].entity_name, "keep");
  EXPECT_EQ(quotas[0].produce_bytes_per_sec, 4096);
  EXPECT_EQ(quotas[0].requests_per_sec, 0);
  removeAllQuotas();
}

}  // namespace
}  // namespace mq::test
