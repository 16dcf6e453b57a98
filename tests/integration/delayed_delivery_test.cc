// Delayed delivery through real brokers: a message produced with a delivery time is not
// visible before it, becomes visible soon after it, and is moved exactly once.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "common/clock.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

rpc::ProduceResponse produce(RpcClient<rpc::BrokerClient>& broker, int partition,
                             const std::vector<rpc::Message>& messages) {
  rpc::ProduceRequest request;
  rpc::PartitionBatch batch;
  batch.topic = "later";
  batch.partition = partition;
  batch.messages = messages;
  request.batches = {batch};
  rpc::ProduceResponse response;
  broker->produce(response, request);
  return response;
}

rpc::Message message(const std::string& value, int64_t deliver_at_ms) {
  rpc::Message m;
  m.value = value;
  m.deliver_at_ms = deliver_at_ms;
  return m;
}

TEST(DelayedDelivery, NothingIsDeliveredEarlyAndEverythingSoonAfterDue) {
  ClusterOptions options;
  options.brokers = 2;  // two movers compete: each message must still appear once
  TestCluster cluster(options);
  cluster.createTopic("later", 2);
  auto broker = cluster.brokerClient(0);
  const int64_t start = nowMs();
  std::map<std::string, int64_t> due;  // value -> delivery time
  for (int i = 0; i < 40; ++i) {
    int64_t at = start + 500 + 50 * i;  // due between 0.5 s and 2.5 s from now
    std::string value = "delayed-" + std::to_string(i);
    due[value] = at;
    auto response = produce(*broker, i % 2, {message(value, at)});
    ASSERT_EQ(response.results[0].error, rpc::ErrorCode::NONE) << response.results[0].error_message;
    EXPECT_EQ(response.results[0].base_offset, -1) << "a delayed message has no offset yet";
  }

  std::map<std::string, int64_t> seen_at;
  std::vector<int64_t> next = {0, 0};
  auto reader = cluster.brokerClient(1);
  while (seen_at.size() < due.size() && nowMs() - start < 15000) {
    rpc::FetchRequest request;
    request.max_wait_ms = 100;
    for (int p = 0; p < 2; ++p) {
      rpc::FetchPartition fp;
      fp.topic = "later";
      fp.partition = p;
      fp.offset = next[p];
      request.partitions.push_back(fp);
    }
    rpc::FetchResponse response;
    (*reader)->fetch(response, request);
    const int64_t now = nowMs();
    for (const auto& result : response.results) {
      for (const auto& m : result.messages) {
        next[result.partition] = m.offset + 1;
        EXPECT_TRUE(seen_at.emplace(m.value, now).second) << "moved twice: " << m.value;
        EXPECT_GE(now, due[m.value]) << m.value << " delivered early";
        EXPECT_GE(m.append_time_ms, due[m.value]) << m.value << " appended early";
      }
    }
  }
  ASSERT_EQ(seen_at.size(), due.size());
  for (const auto& [value, at] : seen_at) {
    EXPECT_LE(at - due[value], 3000) << value << " delivered long after it was due";
  }
}

TEST(DelayedDelivery, MixedBatchNumbersOnlyImmediateMessages) {
  TestCluster cluster;
  cluster.createTopic("later", 1);
  auto broker = cluster.brokerClient();
  auto response = produce(
      *broker, 0, {message("now-1", 0), message("soon", nowMs() + 300), message("now-2", 0)});
  ASSERT_EQ(response.results[0].error, rpc::ErrorCode::NONE);
  EXPECT_EQ(response.results[0].base_offset, 0);

  rpc::FetchRequest request;
  rpc::FetchPartition fp;
  fp.topic = "later";
  fp.partition = 0;
  fp.offset = 0;
  request.partitions = {fp};
  rpc::FetchResponse first;
  (*broker)->fetch(first, request);
  ASSERT_EQ(first.results[0].messages.size(), 2u);
  EXPECT_EQ(first.results[0].messages[1].value, "now-2");

  request.partitions[0].offset = 2;
  request.max_wait_ms = 5000;
  rpc::FetchResponse later;
  (*broker)->fetch(later, request);  // woken when the mover appends it
  ASSERT_EQ(later.results[0].messages.size(), 1u);
  EXPECT_EQ(later.results[0].messages[0].value, "soon");
}

TEST(DelayedDelivery, DeliveryTimeOutOfRangeIsRefused) {
  TestCluster cluster;
  cluster.createTopic("later", 1);
  auto broker = cluster.brokerClient();
  for (int64_t bad : {int64_t{-5}, int64_t{nowMs() + int64_t{400} * 24 * 3600 * 1000}}) {
    auto response = produce(*broker, 0, {message("x", bad)});
    EXPECT_EQ(response.results[0].error, rpc::ErrorCode::INVALID_REQUEST) << bad;
    EXPECT_NE(response.results[0].error_message.find("delivery time"), std::string::npos);
  }
}

}  // namespace
}  // namespace mq::test
