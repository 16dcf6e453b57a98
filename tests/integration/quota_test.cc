// Rate quotas (docs/security.md#quotas) with real processes: a metaserver and a broker
// (`auth = off`, so a client is its client_id), quotas set through the metaserver's Thrift
// API and mqctl. A tenant over its quota is throttled (served, then held back), not refused:
// it stays near its rate while a tenant without a quota runs far above it, and every message
// of both is acknowledged and stored. Bad quota input is refused by name and changes nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;
using mq::client::TopicPartition;

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

client::QuotaEntry quotaOf(const std::string& type, const std::string& name, int64_t produce,
                           int64_t fetch = 0) {
  client::QuotaEntry entry;
  entry.entity_type = type;
  entry.entity_name = name;
  entry.produce_bytes_per_sec = produce;
  entry.fetch_bytes_per_sec = fetch;
  return entry;
}

// Bytes per second of `events` (time, bytes) after `from` (the first burst is over by then):
// from the first event after `from` to the last one, counting what came after the first.
// Events come in clumps, one per request (or per poll); this counts whole intervals.
double steadyRate(std::vector<std::pair<Clock::time_point, int64_t>> events,
                  Clock::time_point from) {
  std::sort(events.begin(), events.end());
  Clock::time_point first{}, last{};
  int64_t bytes = 0;
  for (const auto& [at, size] : events) {
    if (at < from) continue;
    if (first == Clock::time_point{}) {
      first = at;
      continue;
    }
    // Events of the same response as the first one come within a millisecond.
    if (at - first < std::chrono::milliseconds(1)) continue;
    bytes += size;
    last = at;
  }
  if (last <= first) return 0;
  return static_cast<double>(bytes) / std::chrono::duration<double>(last - first).count();
}

// What one tenant did: every acknowledgement (or message fetched) with its time.
struct TenantRun {
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, int64_t>> events;  // time, bytes
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> acked{0};
  std::atomic<int64_t> failed{0};

  void record(int64_t bytes) {
    acked++;
    std::lock_guard<std::mutex> lock(mutex);
    events.emplace_back(Clock::now(), bytes);
  }
  double rateAfter(Clock::time_point from) {
    std::lock_guard<std::mutex> lock(mutex);
    return steadyRate(events, from);
  }
};

// Sends distinct messages to `topic` as fast as the producer takes them until `until` (or
// `count` are sent), then flushes. A small buffer makes a throttled producer block in
// sendAsync instead of queueing minutes of messages.
void produceAsFastAsPossible(const TestCluster& cluster, const std::string& client,
                             const std::string& topic, Clock::time_point until, TenantRun& run,
                             int64_t count = INT64_MAX) {
  ProducerConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.client_id = client;
  config.batch_size = 100;
  config.buffer_bytes = 512 << 10;
  Producer producer(config);
  const std::string padding(kMessageBytes - 24, 'x');
  for (int64_t i = 0; i < count && Clock::now() < until; ++i) {
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
      run.record(bytes);
    });
    run.sent++;
  }
  producer.flush();
}

// Reads `topic` from the start as `client` until `until` or until `count` distinct
// messages were read; records each poll's bytes; returns the distinct values read.
std::set<std::string> consumeAsFastAsPossible(const TestCluster& cluster, const std::string& client,
                                              const std::string& topic, Clock::time_point until,
                                              size_t count, TenantRun& run) {
  ConsumerConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.client_id = client;
  config.fetch_max_bytes = 64 << 10;
  config.max_poll_messages = 100;
  Consumer consumer(config);
  std::vector<TopicPartition> all;
  for (int p = 0; p < kPartitions; ++p) all.push_back({topic, p});
  consumer.assign(all);
  consumer.seekToBeginning(all);
  std::set<std::string> seen;
  while (seen.size() < count && Clock::now() < until) {
    int64_t bytes = 0;
    for (auto& message : consumer.poll(std::chrono::milliseconds(200))) {
      bytes += static_cast<int64_t>(message.value.size());
      seen.insert(std::move(message.value));
    }
    if (bytes > 0) run.record(bytes);
  }
  return seen;
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
  admin().setQuota(quotaOf("client", "tenant-limited", kQuotaBytesPerSec));
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
  const double limited_rate = limited.rateAfter(start + std::chrono::seconds(2));
  const double free_rate = free.rateAfter(start + std::chrono::seconds(2));
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

TEST_F(QuotaTest, FetchQuotaHoldsOneReaderNearItsRateTheOtherReadsFreeNothingIsSkipped) {
  cluster_->createTopic("quota-fetch", kPartitions);
  constexpr int64_t kMessages = 6000;  // about 3 MB
  TenantRun filler;
  produceAsFastAsPossible(*cluster_, "filler", "quota-fetch",
                          Clock::now() + std::chrono::minutes(2), filler, kMessages);
  ASSERT_EQ(filler.acked.load(), kMessages);
  admin().setQuota(quotaOf("client", "reader-limited", 0, kQuotaBytesPerSec));
  waitForEntries(1);

  TenantRun limited, free;
  std::set<std::string> limited_seen, free_seen;
  const auto start = Clock::now();
  const auto until = start + std::chrono::seconds(8);
  std::thread a([&] {
    limited_seen = consumeAsFastAsPossible(*cluster_, "reader-limited", "quota-fetch", until,
                                           kMessages, limited);
  });
  std::thread b([&] {
    free_seen =
        consumeAsFastAsPossible(*cluster_, "reader-free", "quota-fetch", until, kMessages, free);
  });
  a.join();
  b.join();
  const auto free_took = free.events.back().first - start;
  const double free_rate = static_cast<double>(kMessages * kMessageBytes) /
                           std::chrono::duration<double>(free_took).count();
  const double limited_rate = limited.rateAfter(start + std::chrono::seconds(2));
  std::printf(
      "fetch quota %lld B/s: limited reader %.0f B/s (%.2fx), free reader %.0f B/s "
      "(%.1fx, all %lld messages in %.2f s)\n",
      static_cast<long long>(kQuotaBytesPerSec), limited_rate, limited_rate / kQuotaBytesPerSec,
      free_rate, free_rate / kQuotaBytesPerSec, static_cast<long long>(kMessages),
      std::chrono::duration<double>(free_took).count());
  EXPECT_EQ(static_cast<int64_t>(free_seen.size()), kMessages) << "the free reader read all";
  EXPECT_GE(free_rate, 3.0 * kQuotaBytesPerSec);
  EXPECT_LE(limited_rate, 1.3 * kQuotaBytesPerSec);
  EXPECT_GE(limited_rate, 0.6 * kQuotaBytesPerSec) << "throttled, not starved";
  EXPECT_LT(static_cast<int64_t>(limited_seen.size()), kMessages) << "held back meanwhile";
  EXPECT_GT(metricSum(cluster_->brokerMetricsPort(0), "mq_broker_quota_throttled_requests_total",
                      {R"(entity="reader-limited")", R"(quota="fetch_bytes")"}),
            0);

  // The quota lifted, the limited reader reads every message too: nothing was skipped.
  removeAllQuotas();
  TenantRun rest;
  const auto all =
      consumeAsFastAsPossible(*cluster_, "reader-limited", "quota-fetch",
                              Clock::now() + std::chrono::seconds(60), kMessages, rest);
  EXPECT_EQ(static_cast<int64_t>(all.size()), kMessages);
}

TEST_F(QuotaTest, TopicQuotaLimitsTheSumOfItsClients) {
  cluster_->createTopic("quota-topic", kPartitions);
  admin().setQuota(quotaOf("topic", "quota-topic", kQuotaBytesPerSec));
  waitForEntries(1);

  TenantRun one, two;
  const auto start = Clock::now();
  const auto until = start + std::chrono::seconds(8);
  std::thread a([&] { produceAsFastAsPossible(*cluster_, "writer-1", "quota-topic", until, one); });
  std::thread b([&] { produceAsFastAsPossible(*cluster_, "writer-2", "quota-topic", until, two); });
  a.join();
  b.join();
  auto events = one.events;
  events.insert(events.end(), two.events.begin(), two.events.end());
  const double rate = steadyRate(events, start + std::chrono::seconds(2));
  std::printf("topic quota %lld B/s: two writers together %.0f B/s (%.2fx)\n",
              static_cast<long long>(kQuotaBytesPerSec), rate, rate / kQuotaBytesPerSec);
  EXPECT_LE(rate, 1.3 * kQuotaBytesPerSec);
  EXPECT_GE(rate, 0.6 * kQuotaBytesPerSec);
  EXPECT_GT(one.acked.load(), 0);
  EXPECT_GT(two.acked.load(), 0);
  EXPECT_EQ(one.failed.load() + two.failed.load(), 0);
  EXPECT_EQ(storedMessages(*cluster_, "quota-topic"), one.acked.load() + two.acked.load());
  EXPECT_GT(metricSum(cluster_->brokerMetricsPort(0), "mq_broker_quota_throttled_requests_total",
                      {R"(entity_type="topic")", R"(entity="quota-topic")"}),
            0);
  removeAllQuotas();
}

// The wire protocol: an over-quota produce is appended and acknowledged, its response
// carries throttle_time_ms for the debt, and the broker holds the connection's next request
// back for about as long.
TEST_F(QuotaTest, OverQuotaProduceIsServedWithAThrottleTimeAndTheConnectionIsHeldBack) {
  cluster_->createTopic("quota-wire", 1);
  admin().setQuota(quotaOf("client", "wire-client", 16 << 10));
  waitForEntries(1);
  auto broker = cluster_->brokerClient(0);
  rpc::ProduceRequest request;
  request.header = cluster_->header();
  request.header.client_id = "wire-client";
  rpc::PartitionBatch batch;
  batch.topic = "quota-wire";
  batch.partition = 0;
  batch.messages.resize(48);
  for (auto& m : batch.messages) m.value = std::string(1024, 'w');
  request.batches.push_back(batch);

  // 48 KiB against a full bucket of 16 KiB: 32 KiB of debt, 2 s at 16 KiB/s.
  rpc::ProduceResponse first;
  (*broker)->produce(first, request);
  ASSERT_EQ(first.results.size(), 1u);
  EXPECT_EQ(first.results[0].error, rpc::ErrorCode::NONE) << first.results[0].error_message;
  EXPECT_EQ(first.results[0].base_offset, 0);
  ASSERT_TRUE(first.__isset.throttle_time_ms);
  EXPECT_GE(first.throttle_time_ms, 1800);
  EXPECT_LE(first.throttle_time_ms, 2000);

  // The next request on this connection is read only once the throttle has passed.
  request.batches[0].messages.resize(1);
  rpc::ProduceResponse second;
  const auto sent = Clock::now();
  (*broker)->produce(second, request);
  EXPECT_GE(Clock::now() - sent, std::chrono::milliseconds(1500));
  EXPECT_EQ(second.results[0].error, rpc::ErrorCode::NONE);
  EXPECT_EQ(second.results[0].base_offset, 48) << "everything was stored, nothing refused";

  // A client without a quota gets no throttle_time_ms.
  request.header.client_id = "other-client";
  rpc::ProduceResponse other;
  (*cluster_->brokerClient(0))->produce(other, request);
  EXPECT_FALSE(other.__isset.throttle_time_ms);
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

// A broker with max-connections-per-ip 3: the fourth connection from one address is refused
// with a reply naming the limit, logged and counted; the client library's call fails with
// that text (nothing is stored); once a connection closes, a new one is admitted.
TEST(ConnectionLimit, ExtraConnectionsAreRefusedByNameCountedAndLoggedOthersStayServed) {
  ClusterOptions options;
  options.broker_args = {"--max-connections-per-ip", "3"};
  TestCluster cluster(options);
  cluster.createTopic("limited-conns", 1);
  const int metrics_port = cluster.brokerMetricsPort(0);
  // The harness's own probes close at once; wait until none is counted.
  ASSERT_TRUE(waitForMetricSum(metrics_port, "mq_broker_connections_open", 0));

  rpc::MetadataRequest request;
  request.header = cluster.header();
  std::vector<std::unique_ptr<RpcClient<rpc::BrokerClient>>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(cluster.brokerClient(0));
    rpc::MetadataResponse response;
    ASSERT_NO_THROW((*open.back())->metadata(response, request)) << "connection " << i;
  }
  EXPECT_EQ(metricSum(metrics_port, "mq_broker_connections_open"), 3);

  auto fourth = cluster.brokerClient(0);
  try {
    rpc::MetadataResponse response;
    (*fourth)->metadata(response, request);
    FAIL() << "a fourth connection from one address was served";
  } catch (const apache::thrift::TApplicationException& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("connection refused"), std::string::npos) << text;
    EXPECT_NE(text.find("max-connections-per-ip limit (3 open connections from 127.0.0.1)"),
              std::string::npos)
        << text;
  }
  EXPECT_GE(metricSum(metrics_port, "mq_broker_connections_refused_total",
                      {R"(reason="max-connections-per-ip")"}),
            1);

  // Through the client library: the send fails visibly with the broker's reason.
  ProducerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.retries = 1;
  config.retry_backoff_ms = 20;
  config.retry_backoff_max_ms = 50;
  config.delivery_timeout_ms = 3000;
  {
    Producer producer(config);
    try {
      producer.send("limited-conns", "refused");
      FAIL() << "a send over the connection limit was acknowledged";
    } catch (const Error& e) {
      std::printf("the client's error: %s\n", e.what());
      EXPECT_NE(std::string(e.what()).find("max-connections-per-ip"), std::string::npos)
          << e.what();
    }
  }
  // The connections already open are still served.
  for (auto& client : open) {
    rpc::MetadataResponse response;
    EXPECT_NO_THROW((*client)->metadata(response, request));
  }

  // Two close: new connections are admitted (a producer uses two here: metadata and send)
  // and the send is acknowledged and stored.
  open.resize(1);
  fourth.reset();
  bool sent = false;
  for (int attempt = 0; attempt < 20 && !sent; ++attempt) {
    try {
      Producer producer(config);
      producer.send("limited-conns", "admitted");
      sent = true;
    } catch (const Error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  EXPECT_TRUE(sent);
  const auto seen = consumeAll(cluster, "limited-conns", 1, 0);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.count("admitted"), 1u);

  const std::string text = cluster.broker(0).logText();
  EXPECT_NE(text.find("connection refused: limit reached; closed"), std::string::npos);
  EXPECT_NE(text.find("max-connections-per-ip"), std::string::npos);
}

}  // namespace
}  // namespace mq::test
