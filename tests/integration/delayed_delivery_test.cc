// Delayed delivery through real brokers: a message produced with a delivery time is not
// visible before it, becomes visible soon after it, and is moved exactly once.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <thread>

#include "common/clock.h"
#include "storage/db_pool.h"
#include "tests/harness/eventually.h"
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

// Delayed messages whose partition goes away first (topic deleted, partition retired, with
// partition-drop-grace shorter than the delay) are deleted with it; rows left behind by an
// older version or a produce racing the drop (here: 1,200 inserted by hand, all due) are
// swept by the mover; a sealed (read-only) partition takes none of its due messages until it
// is writable again. None of them holds back another topic's delayed messages: once 1,000
// orphans were due, no delayed message of the datanode was ever moved again.
rpc::ProduceResponse produceTo(RpcClient<rpc::BrokerClient>& broker, const std::string& topic,
                               int partition, const std::vector<rpc::Message>& messages) {
  rpc::ProduceRequest request;
  rpc::PartitionBatch batch;
  batch.topic = topic;
  batch.partition = partition;
  batch.messages = messages;
  request.batches = {batch};
  rpc::ProduceResponse response;
  broker->produce(response, request);
  return response;
}

int64_t scalar(const DbTarget& target, const std::string& sql) {
  DbPool pool(target, DbPoolOptions{});
  auto db = pool.acquire();
  auto rows = db->query(sql);
  return rows->next() ? rows->getInt64(1) : -1;
}

std::vector<std::string> fetchValues(RpcClient<rpc::BrokerClient>& broker, const std::string& topic,
                                     int partition, int64_t offset, int64_t* end_offset = nullptr) {
  rpc::FetchRequest request;
  rpc::FetchPartition fp;
  fp.topic = topic;
  fp.partition = partition;
  fp.offset = offset;
  request.partitions = {fp};
  request.max_wait_ms = 0;
  rpc::FetchResponse response;
  broker->fetch(response, request);
  std::vector<std::string> values;
  for (const auto& m : response.results.at(0).messages) values.push_back(m.value);
  if (end_offset) *end_offset = response.results.at(0).end_offset;
  return values;
}

TEST(DelayedDelivery, DroppedOrSealedPartitionsNeverHoldBackOtherTopicsDelayedMessages) {
  ClusterOptions options;
  options.metaserver_args = {"--lifecycle-interval", "300ms", "--partition-drop-grace", "1s"};
  TestCluster cluster(options);
  auto doomed = cluster.createTopic("doomed", 1);
  auto shrinking = cluster.createTopic("shrinking", 2);
  auto sealed = cluster.createTopic("sealed", 1);
  cluster.createTopic("innocent", 1);
  auto broker = cluster.brokerClient();
  const DbTarget datanode = cluster.datanodeDb(0);
  const int64_t start = nowMs();
  auto delayed = [](const std::string& prefix, int count, int64_t at) {
    std::vector<rpc::Message> messages;
    for (int i = 0; i < count; ++i) messages.push_back(message(prefix + std::to_string(i), at));
    return messages;
  };
  // 1,200 each on the topic to delete and the partition to retire, due in 2 s.
  for (auto [topic, partition] : {std::pair<const char*, int>{"doomed", 0}, {"shrinking", 1}}) {
    auto response = produceTo(*broker, topic, partition, delayed("d", 1200, start + 2000));
    ASSERT_EQ(response.results.at(0).error, rpc::ErrorCode::NONE)
        << response.results[0].error_message;
  }
  // A read-only partition with 1,200 due in 2.5 s (before the innocent topic's, and late
  // enough that `mqctl partition read-only` seals it first on a loaded machine); a group
  // behind its end keeps it from being retired.
  ASSERT_EQ(produceTo(*broker, "sealed", 0, {message("first", 0)}).results.at(0).error,
            rpc::ErrorCode::NONE);
  {
    rpc::CommitOffsetsRequest commit;
    commit.group_id = "behind";
    commit.generation_id = -1;
    rpc::OffsetCommitPartition p;
    p.topic = "sealed";
    p.partition = 0;
    p.offset = 0;
    commit.offsets = {p};
    rpc::CommitOffsetsResponse committed;
    (*broker)->commitOffsets(committed, commit);
    ASSERT_EQ(committed.error, rpc::ErrorCode::NONE) << committed.error_message;
  }
  ASSERT_EQ(produceTo(*broker, "sealed", 0, delayed("s", 1200, start + 2500)).results.at(0).error,
            rpc::ErrorCode::NONE);
  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"partition", "read-only", "sealed", "0"}, &out, &err), 0) << err;
  // Orphans of a partition dropped long ago, all due.
  {
    DbPool pool(datanode, DbPoolOptions{});
    auto db = pool.acquire();
    std::string insert =
        "INSERT INTO mq_delayed_messages (table_name, deliver_at_ms, payload, produce_ms) "
        "VALUES ";
    for (int i = 0; i < 1200; ++i) {
      insert += fmt::format("{}('mq_dropped_long_ago', {}, 'orphan', {})", i ? "," : "", start - i,
                            start);
    }
    db->execute(insert);
  }
  // The topic and the partition go before their messages are due (grace 1 s < delay 2 s).
  ASSERT_EQ(cluster.mqctl({"topic", "delete", "doomed", "--force"}, &out, &err), 0) << err;
  ASSERT_EQ(cluster.mqctl({"partition", "read-only", "shrinking", "1"}, &out, &err), 0) << err;

  // The innocent topic's messages, due in 3 s: after every orphan.
  const int64_t innocent_due = start + 3000;
  ASSERT_EQ(produceTo(*broker, "innocent", 0, delayed("i", 5, innocent_due)).results.at(0).error,
            rpc::ErrorCode::NONE);
  std::vector<std::string> arrived;
  ASSERT_TRUE(eventually(std::chrono::seconds(15),
                         [&] {
                           arrived = fetchValues(*broker, "innocent", 0, 0);
                           return arrived.size() == 5;
                         }))
      << arrived.size() << " of 5 arrived";
  const int64_t late_ms = nowMs() - innocent_due;
  std::cout << "innocent topic's 5 delayed messages all arrived " << late_ms
            << " ms after they were due\n";
  EXPECT_LT(late_ms, 5000);

  // The dropped partitions' delayed rows are gone, the orphans too.
  const std::string doomed_table = doomed.partitions.at(0).table_name;
  const std::string retired_table = shrinking.partitions.at(1).table_name;
  EXPECT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return scalar(datanode, fmt::format("SELECT COUNT(*) FROM mq_delayed_messages WHERE "
                                        "table_name IN ('{}', '{}', 'mq_dropped_long_ago')",
                                        doomed_table, retired_table)) == 0;
  })) << "delayed rows of dropped partitions are left";
  EXPECT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return scalar(datanode, fmt::format("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                        "TABLE_SCHEMA = '{}' AND TABLE_NAME IN ('{}', '{}')",
                                        datanode.database, doomed_table, retired_table)) == 0;
  })) << "the deleted topic's and the retired partition's tables are dropped";

  // The sealed partition took none of its due messages (its end offset is final) ...
  int64_t end = -1;
  EXPECT_EQ(fetchValues(*broker, "sealed", 0, 0, &end).size(), 1u);
  EXPECT_EQ(end, 1);
  const std::string sealed_table = sealed.partitions.at(0).table_name;
  EXPECT_EQ(scalar(datanode, fmt::format("SELECT COUNT(*) FROM mq_delayed_messages WHERE "
                                         "table_name = '{}'",
                                         sealed_table)),
            1200);
  // ... and takes them all once writable again.
  ASSERT_EQ(cluster.mqctl({"partition", "writable", "sealed", "0"}, &out, &err), 0) << err;
  EXPECT_TRUE(eventually(std::chrono::seconds(10),
                         [&] {
                           fetchValues(*broker, "sealed", 0, 0, &end);
                           return end == 1201;
                         }))
      << "end offset " << end;
}

}  // namespace
}  // namespace mq::test
