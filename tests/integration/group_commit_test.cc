// Group commit per datanode (broker/datanode_writer.h) through a real broker on a real
// MariaDB: batches of many partitions, from one request or from concurrent requests, share
// one transaction; a failure of that transaction fails every batch in it and stores none;
// a partition's own error fails only that partition.
//
// The tests hold a partition's state-row lock from their own connection to stop the
// broker's transaction at a known point, and find the broker's waiting connection in
// information_schema.INNODB_TRX.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/harness/message_batch.h"
#include "tests/harness/row_lock.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

using std::chrono::milliseconds;

rpc::ProduceResponse produce(RpcClient<rpc::BrokerClient>& broker,
                             std::vector<rpc::PartitionBatch> batches) {
  rpc::ProduceRequest request;
  request.header.client_id = "group-commit-test";
  request.batches = std::move(batches);
  rpc::ProduceResponse response;
  broker->produce(response, request);
  return response;
}

std::vector<std::string> fetchValues(RpcClient<rpc::BrokerClient>& broker, const std::string& topic,
                                     int partition) {
  rpc::FetchRequest request;
  request.header.client_id = "group-commit-test";
  rpc::FetchPartition p;
  p.topic = topic;
  p.partition = partition;
  p.offset = 0;
  request.partitions.push_back(p);
  rpc::FetchResponse response;
  broker->fetch(response, request);
  const auto& result = response.results.at(0);
  EXPECT_EQ(result.error, rpc::ErrorCode::NONE) << result.error_message;
  std::vector<std::string> values;
  for (const auto& message : result.messages) {
    EXPECT_EQ(message.offset, static_cast<int64_t>(values.size())) << "offsets must be dense";
    values.push_back(message.value);
  }
  return values;
}

TEST(GroupCommit, BatchesForManyPartitionsOfARequestCommitTogether) {
  TestCluster cluster;
  const auto topic = cluster.createTopic("together", 2);
  auto broker = cluster.brokerClient();
  DbPool datanode(cluster.datanodeDb(0), DbPoolOptions{});

  // Partition 1 is locked: the broker's transaction for (0, 1) stops there, holding
  // partition 0. Separate transactions would have committed partition 0 by now.
  RowLock lock(datanode, topic.partitions.at(1).table_name);
  auto response = std::async(std::launch::async, [&] {
    return produce(*broker, {batchOf("together", 0, {"a0", "a1"}), batchOf("together", 1, {"b0"})});
  });
  ASSERT_GT(waitingConnection(datanode, cluster.datanodeDb(0).database), 0);
  auto reader = cluster.brokerClient();
  EXPECT_TRUE(fetchValues(*reader, "together", 0).empty())
      << "partition 0 was committed before the transaction's end";

  lock.release();
  auto results = response.get().results;
  ASSERT_EQ(results.size(), 2u);
  for (const auto& result : results) {
    ASSERT_EQ(result.error, rpc::ErrorCode::NONE) << result.error_message;
    EXPECT_EQ(result.base_offset, 0);
  }
  EXPECT_EQ(fetchValues(*reader, "together", 0), (std::vector<std::string>{"a0", "a1"}));
  EXPECT_EQ(fetchValues(*reader, "together", 1), (std::vector<std::string>{"b0"}));
}

TEST(GroupCommit, FailedSharedTransactionFailsEveryRequestInItAndStoresNone) {
  ClusterOptions options;
  // One transaction at a time: groups form.
  options.broker_args = {"--append-groups", "1", "--busy-append-groups", "1"};
  TestCluster cluster(options);
  const auto topic = cluster.createTopic("shared", 3);
  const std::string database = cluster.datanodeDb(0).database;
  DbPool datanode(cluster.datanodeDb(0), DbPoolOptions{});

  // Group 1 (partition 2) waits for the test's lock on partition 2; meanwhile two requests
  // of two clients (partitions 0 and 1) queue behind it and then form group 2 together.
  RowLock hold_2(datanode, topic.partitions.at(2).table_name);
  RowLock hold_1(datanode, topic.partitions.at(1).table_name);
  auto client_a = cluster.brokerClient();
  auto client_b = cluster.brokerClient();
  auto client_c = cluster.brokerClient();
  auto first = std::async(std::launch::async,
                          [&] { return produce(*client_a, {batchOf("shared", 2, {"c0"})}); });
  ASSERT_GT(waitingConnection(datanode, database), 0);
  auto second = std::async(std::launch::async,
                           [&] { return produce(*client_b, {batchOf("shared", 0, {"a0"})}); });
  auto third = std::async(std::launch::async, [&] {
    return produce(*client_c, {batchOf("shared", 1, {"b0", "b1"})});
  });
  std::this_thread::sleep_for(milliseconds(500));  // both queued behind group 1
  hold_2.release();
  const auto r1 = first.get().results.at(0);
  ASSERT_EQ(r1.error, rpc::ErrorCode::NONE) << r1.error_message;

  // Group 2 holds partition 0 and waits for partition 1: its connection dies.
  const int64_t victim = waitingConnection(datanode, database);
  ASSERT_GT(victim, 0);
  datanode.acquire()->execute(fmt::format("KILL CONNECTION {}", victim));
  const auto r2 = second.get().results.at(0);
  const auto r3 = third.get().results.at(0);
  hold_1.release();
  for (const auto& result : {r2, r3}) {
    EXPECT_EQ(result.error, rpc::ErrorCode::DATANODE_UNAVAILABLE) << result.error_message;
    EXPECT_TRUE(result.retriable);
    EXPECT_EQ(result.base_offset, -1);
  }
  auto reader = cluster.brokerClient();
  EXPECT_TRUE(fetchValues(*reader, "shared", 0).empty()) << "a failed request was stored";
  EXPECT_TRUE(fetchValues(*reader, "shared", 1).empty()) << "a failed request was stored";

  // Retried, both are stored once, at the offsets nothing else took.
  const auto again =
      produce(*client_b, {batchOf("shared", 0, {"a0"}), batchOf("shared", 1, {"b0", "b1"})});
  for (const auto& result : again.results) {
    ASSERT_EQ(result.error, rpc::ErrorCode::NONE) << result.error_message;
    EXPECT_EQ(result.base_offset, 0);
  }
  EXPECT_EQ(fetchValues(*reader, "shared", 0), (std::vector<std::string>{"a0"}));
  EXPECT_EQ(fetchValues(*reader, "shared", 1), (std::vector<std::string>{"b0", "b1"}));
  EXPECT_EQ(fetchValues(*reader, "shared", 2), (std::vector<std::string>{"c0"}));
}

// A cluster whose first group (a batch "a0" for partition 0 of `topic`) is running and
// waits for the test's lock on that partition until release().
class OneGroupRunning {
 public:
  OneGroupRunning(const ClusterOptions& options, const std::string& topic, int partitions)
      : cluster_(options),
        partitions_(cluster_.createTopic(topic, partitions).partitions),
        datanode_(cluster_.datanodeDb(0), DbPoolOptions{}),
        hold_0_(datanode_, partitions_.at(0).table_name),
        client_(cluster_.brokerClient()),
        first_(
            std::async(std::launch::async,
                       [this, topic] { return produce(*client_, {batchOf(topic, 0, {"a0"})}); })),
        waits_(waitingConnection(datanode_, cluster_.datanodeDb(0).database) > 0) {}
  // Whether the first group was seen waiting for the lock (the tests stop if not).
  bool waits() const { return waits_; }
  TestCluster& cluster() { return cluster_; }
  bool stillWaiting() { return first_.wait_for(milliseconds(0)) == std::future_status::timeout; }
  // Lets the first group commit; returns its outcome.
  rpc::PartitionProduceResult release() {
    hold_0_.release();
    return first_.get().results.at(0);
  }

 private:
  TestCluster cluster_;
  std::vector<rpc::PartitionInfo> partitions_;
  DbPool datanode_;
  RowLock hold_0_;
  std::unique_ptr<RpcClient<rpc::BrokerClient>> client_;
  std::future<rpc::ProduceResponse> first_;
  const bool waits_;
};

// With one group running, a small batch queued behind it gets no further group, and
// `large` (the queue then holding more than the threshold) does: a further group takes
// both queued batches while the first still waits.
void expectAFurtherGroupOnlyWhenMuchQueues(const ClusterOptions& options,
                                           const std::vector<std::string>& large) {
  OneGroupRunning running(options, "busy", 3);
  ASSERT_TRUE(running.waits());
  auto client_b = running.cluster().brokerClient();
  auto client_c = running.cluster().brokerClient();
  auto small = std::async(std::launch::async,
                          [&] { return produce(*client_b, {batchOf("busy", 1, {"b0"})}); });
  EXPECT_EQ(small.wait_for(std::chrono::seconds(1)), std::future_status::timeout)
      << "a further group started for a small batch";

  auto big = std::async(std::launch::async,
                        [&] { return produce(*client_c, {batchOf("busy", 2, large)}); });
  for (auto* response : {&small, &big}) {
    ASSERT_EQ(response->wait_for(std::chrono::seconds(8)), std::future_status::ready)
        << "no further group started for the larger queue";
    const auto result = response->get().results.at(0);
    EXPECT_EQ(result.error, rpc::ErrorCode::NONE) << result.error_message;
    EXPECT_EQ(result.base_offset, 0);
  }
  EXPECT_TRUE(running.stillWaiting());
  const auto first = running.release();
  EXPECT_EQ(first.error, rpc::ErrorCode::NONE) << first.error_message;
  auto reader = running.cluster().brokerClient();
  EXPECT_EQ(fetchValues(*reader, "busy", 1), (std::vector<std::string>{"b0"}));
  EXPECT_EQ(fetchValues(*reader, "busy", 2), large);
}

// busy-append-groups: a further group starts only while at least 1 MiB of batches queue.
TEST(GroupCommit, AFurtherGroupStartsOnlyWhileLargeBatchesQueue) {
  ClusterOptions options;
  options.broker_args = {"--append-groups", "1", "--busy-append-groups", "2"};
  const std::string large(600 * 1024, 'x');
  expectAFurtherGroupOnlyWhenMuchQueues(options, {large, large});  // 1.2 MiB
}

// append-overlap-bytes (32 KiB by default): the defaults' second group starts beside the
// first only while that much queues; small batches wait and go together in the next group.
TEST(GroupCommit, ASecondGroupStartsOnlyWhileTheOverlapBytesQueue) {
  const std::string large(20 * 1024, 'y');
  expectAFurtherGroupOnlyWhenMuchQueues(ClusterOptions{}, {large, large});  // 40 KiB
}

// append-overlap-bytes 0: the second group starts at once, whatever queues.
TEST(GroupCommit, WithoutTheOverlapThresholdASmallBatchGetsTheSecondGroup) {
  ClusterOptions options;
  options.broker_args = {"--append-overlap-bytes", "0"};
  OneGroupRunning running(options, "overlap", 2);
  ASSERT_TRUE(running.waits());
  auto client_b = running.cluster().brokerClient();
  const auto small = produce(*client_b, {batchOf("overlap", 1, {"b0"})}).results.at(0);
  EXPECT_EQ(small.error, rpc::ErrorCode::NONE) << small.error_message;
  EXPECT_TRUE(running.stillWaiting());
  EXPECT_EQ(running.release().error, rpc::ErrorCode::NONE);
}

TEST(GroupCommit, APartitionsOwnErrorFailsOnlyThatPartition) {
  TestCluster cluster;
  const auto topic = cluster.createTopic("isolated", 3);
  DbPool datanode(cluster.datanodeDb(0), DbPoolOptions{});
  // Partition 1's table disappears behind the metadata's back (its state row stays): its
  // INSERT fails inside the shared transaction.
  datanode.acquire()->execute(fmt::format("DROP TABLE `{}`", topic.partitions.at(1).table_name));
  auto broker = cluster.brokerClient();
  const auto response =
      produce(*broker, {batchOf("isolated", 0, {"a0"}), batchOf("isolated", 1, {"b0"}),
                        batchOf("isolated", 2, {"c0", "c1"})});
  ASSERT_EQ(response.results.size(), 3u);
  EXPECT_EQ(response.results[1].error, rpc::ErrorCode::UNKNOWN_TOPIC)
      << response.results[1].error_message;
  for (int p : {0, 2}) {
    ASSERT_EQ(response.results[p].error, rpc::ErrorCode::NONE) << response.results[p].error_message;
    EXPECT_EQ(response.results[p].base_offset, 0);
  }
  EXPECT_EQ(fetchValues(*broker, "isolated", 0), (std::vector<std::string>{"a0"}));
  EXPECT_EQ(fetchValues(*broker, "isolated", 2), (std::vector<std::string>{"c0", "c1"}));
}

}  // namespace
}  // namespace mq::test
