// Rate quotas on the Kafka door (docs/security.md#quotas, docs/kafka.md): a client over its
// produce or fetch quota is served in full and answered with throttle_time_ms > 0, as Kafka
// brokers do, and nothing it sent is lost. Raw frames (client id `wire-test`) read the
// throttle_time_ms of each answer; unmodified kcat 1.7.1 under a small quota gets every
// message acknowledged.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "broker/kafka/protocol/messages/fetch.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/record_batch.h"
#include "mq/client.h"
#include "tests/harness/group_member.h"
#include "tests/harness/kafka_wire_client.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

namespace mq::test {
namespace {

using namespace mq::kafka;

constexpr int kRecords = 16;        // per produce request
constexpr int kRecordBytes = 1024;  // value bytes of each

std::string batchOf(int first) {
  RecordBatch batch;
  for (int i = 0; i < kRecords; ++i) {
    batch.records.push_back({i,
                             1700000000000 + i,
                             std::string("k"),
                             fmt::format("{:0>{}}", first + i, kRecordBytes),
                             {}});
  }
  WireWriter out;
  encodeRecordBatch(batch, Compression::kNone, out);
  return out.buffer();
}

void setClientQuota(TestCluster& cluster, const std::string& client, int64_t produce,
                    int64_t fetch) {
  rpc::QuotaEntry entry;
  entry.entity_type = "client";
  entry.entity_name = client;
  entry.produce_bytes_per_sec = produce;
  entry.fetch_bytes_per_sec = fetch;
  rpc::QuotaEntry stored;
  (*cluster.metaClient())->setQuota(stored, cluster.header(), entry);
}

TEST(KafkaQuota, AClientOverItsQuotaGetsThrottleTimeAndLosesNothing) {
  ClusterOptions options;
  options.kafka = true;
  TestCluster cluster(options);
  cluster.createTopic("quota", 1);
  // 16 KiB/s each way: one request of 16 records of 1 KiB is a second's worth.
  setClientQuota(cluster, "wire-test", 16 * 1024, 16 * 1024);

  // Produce until an answer carries a throttle (the broker reads the quota table every 2 s);
  // every request is acknowledged either way.
  KafkaWireClient client(cluster.kafkaPort(0));
  int acknowledged = 0;
  int32_t throttle_ms = 0;
  for (int request_index = 0; request_index < 200 && throttle_ms == 0; ++request_index) {
    ProduceRequest request;
    request.acks = -1;
    request.timeout_ms = 10000;
    request.topics.push_back({"quota", {{0, batchOf(acknowledged)}}});
    const auto response = client.call<ProduceResponse>(0, 7, request, false);
    const auto& partition = response.responses.at(0).partitions.at(0);
    ASSERT_EQ(partition.error_code, 0) << partition.error_message.value_or("");
    EXPECT_EQ(partition.base_offset, acknowledged);
    acknowledged += kRecords;
    throttle_ms = response.throttle_time_ms;
    if (throttle_ms == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(throttle_ms, 0) << "no produce answer was throttled after " << acknowledged
                            << " records";
  // Two more requests while in debt: served, throttled again.
  for (int i = 0; i < 2; ++i) {
    ProduceRequest request;
    request.acks = -1;
    request.timeout_ms = 10000;
    request.topics.push_back({"quota", {{0, batchOf(acknowledged)}}});
    const auto response = client.call<ProduceResponse>(0, 9, request, true);
    ASSERT_EQ(response.responses.at(0).partitions.at(0).error_code, 0);
    acknowledged += kRecords;
    EXPECT_GT(response.throttle_time_ms, 0) << i;
  }

  // Fetching everything back is over the fetch quota: the answer holds every record asked
  // for and a throttle.
  FetchRequest fetch;
  fetch.max_wait_ms = 100;
  fetch.min_bytes = 1;
  fetch.max_bytes = 64 << 20;
  FetchRequest::Partition wanted;
  wanted.partition = 0;
  wanted.fetch_offset = 0;
  wanted.partition_max_bytes = 64 << 20;
  fetch.topics.push_back({"quota", {wanted}});
  const auto fetched = client.call<FetchResponse>(1, 11, fetch, false);
  const auto& partition = fetched.responses.at(0).partitions.at(0);
  ASSERT_EQ(partition.error_code, 0);
  int records = 0;
  for (const auto& batch : decodeRecordBatches(*partition.records)) {
    records += static_cast<int>(batch.records.size());
  }
  EXPECT_EQ(records, acknowledged);
  EXPECT_GT(fetched.throttle_time_ms, 0);

  // kcat as a client with a small produce quota: slowed down, every message acknowledged
  // and stored.
  setClientQuota(cluster, "kcat-limited", 64 * 1024, 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // two quota refresh passes
  std::string input, output, error;
  for (int i = 0; i < 300; ++i) input += fmt::format("{:0>1024}\n", i);
  ASSERT_EQ(
      runCommand({"/usr/bin/kcat", "-b", cluster.kafkaBootstrap(), "-t", "quota", "-P", "-X",
                  "client.id=kcat-limited", "-X", "acks=all", "-X", "enable.idempotence=true"},
                 input, &output, &error, 120000),
      0)
      << error;
  EXPECT_EQ(readTopicThroughThrift(cluster, "quota", 1).size(),
            static_cast<size_t>(acknowledged + 300));
  EXPECT_GT(metricSum(cluster.brokerMetricsPort(0), "mq_broker_quota_throttled_requests_total",
                      {R"(entity="kcat-limited")", R"(quota="produce_bytes")"}),
            0);
}

}  // namespace
}  // namespace mq::test
