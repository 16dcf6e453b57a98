// The log-divergence check (docs/operations.md, "Messages a crash took back"): a database
// crash can take back rows a consumer already read, because InnoDB makes a commit visible
// a moment before it is durable; the offsets are then given to new messages. A consumer
// must read those new messages, not skip them because its position is past them, and not
// start the partition over. Here the crash's effect is made exactly with SQL on the
// datanode (the tail rows deleted and the log end lowered, as after the crash); the chaos
// test (tests/chaos) makes it with real kill -9s.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "mq/client.h"
#include "storage/db_pool.h"
#include "tests/harness/crashed_mariadb.h"
#include "tests/harness/eventually.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_cluster.h"

using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

constexpr const char* kTopic = "diverge";
const TopicPartition kPartition{kTopic, 0};

void produce(TestCluster& cluster, const std::string& prefix, int count) {
  ProducerConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.bootstrap_brokers = cluster.brokerAddresses();
  Producer producer(config);
  std::vector<std::future<SendResult>> sent;
  for (int i = 0; i < count; ++i)
    sent.push_back(producer.sendAsync(kTopic, fmt::format("{}-{}", prefix, i)));
  producer.flush();
  for (auto& result : sent) result.get();  // throws unless acknowledged
}

// What a crash does to the partition's tail: the rows from `offset` on are gone and the log
// ends there again.
void takeBackFrom(TestCluster& cluster, const std::string& table, int64_t offset) {
  DbPool pool(cluster.datanodeDb(0), DbPoolOptions{});
  auto db = pool.acquire();
  db->execute(fmt::format("DELETE FROM `{}` WHERE `offset` >= {}", table, offset));
  db->execute(fmt::format("UPDATE mq_partition_state SET next_offset = {} WHERE table_name = '{}'",
                          offset, table));
}

std::unique_ptr<Consumer> consumerAtTheEnd(TestCluster& cluster, int expected) {
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  auto consumer = std::make_unique<Consumer>(config);
  consumer->assign({kPartition});
  consumer->seekToBeginning({kPartition});
  int received = 0;
  for (int polls = 0; received < expected && polls < 60; ++polls) {
    received += static_cast<int>(consumer->poll(std::chrono::milliseconds(500)).size());
  }
  EXPECT_EQ(received, expected);
  return consumer;
}

// Polls until `count` messages came or `polls` polls of 500 ms passed.
std::vector<ConsumedMessage> pollFor(Consumer& consumer, size_t count, int polls = 60) {
  std::vector<ConsumedMessage> got;
  for (int i = 0; got.size() < count && i < polls; ++i) {
    for (auto& m : consumer.poll(std::chrono::milliseconds(500))) got.push_back(std::move(m));
  }
  return got;
}

void expectNewMessages(const std::vector<ConsumedMessage>& got, int64_t first_offset, int count) {
  ASSERT_EQ(got.size(), static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(got[i].offset, first_offset + i);
    EXPECT_EQ(got[i].value, fmt::format("new-{}", i));
  }
}

TEST(LogDivergence, ConsumerPastTheLogEndGoesBackToItAndReadsWhatIsWrittenThere) {
  TestCluster cluster;
  const std::string table = cluster.createTopic(kTopic, 1).partitions.at(0).table_name;
  produce(cluster, "old", 100);
  auto consumer = consumerAtTheEnd(cluster, 100);
  ASSERT_EQ(consumer->position(kPartition), 100);

  takeBackFrom(cluster, table, 60);
  // Before any new message: back to the log end, nothing read again (the partition is not
  // started over, as an out-of-range reset would).
  EXPECT_TRUE(pollFor(*consumer, 1, 4).empty());
  EXPECT_EQ(consumer->position(kPartition), 60);

  produce(cluster, "new", 50);  // offsets 60..109
  expectNewMessages(pollFor(*consumer, 50), 60, 50);
}

TEST(LogDivergence, ConsumerBehindANewTailReadsTheMessagesThatTookTheOffsetsItHadRead) {
  TestCluster cluster;
  const std::string table = cluster.createTopic(kTopic, 1).partitions.at(0).table_name;
  produce(cluster, "old", 100);
  auto consumer = consumerAtTheEnd(cluster, 100);

  takeBackFrom(cluster, table, 60);
  produce(cluster, "new", 50);  // offsets 60..109: the consumer's position 100 is inside
  // All 50, from 60 on; without the check the consumer would read only 100..109.
  expectNewMessages(pollFor(*consumer, 50), 60, 50);
}

TEST(LogDivergence, GroupMemberResumingFromACommittedOffsetReadsTheNewMessagesBeforeIt) {
  TestCluster cluster;
  const std::string table = cluster.createTopic(kTopic, 1).partitions.at(0).table_name;
  produce(cluster, "old", 100);
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.metaserver = cluster.metaserverAddress();
  config.group_id = "resumers";
  config.enable_auto_commit = false;
  {
    Consumer first(config);
    first.subscribe({kTopic});
    ASSERT_EQ(pollFor(first, 100).size(), 100u);
    first.commitSync();  // offset 100, with the check of offset 99
  }
  takeBackFrom(cluster, table, 60);
  produce(cluster, "new", 50);  // offsets 60..109
  Consumer next(config);
  next.subscribe({kTopic});
  expectNewMessages(pollFor(next, 50), 60, 50);
}

// Reads the whole partition through a new consumer: offset -> value.
std::map<int64_t, std::string> wholeLog(TestCluster& cluster, int64_t end) {
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  Consumer reader(config);
  reader.assign({kPartition});
  reader.seekToBeginning({kPartition});
  std::map<int64_t, std::string> log;
  for (int polls = 0; static_cast<int64_t>(log.size()) < end && polls < 60; ++polls) {
    for (auto& m : reader.poll(std::chrono::milliseconds(500))) log[m.offset] = m.value;
  }
  return log;
}

// A real kill -9. The window in which InnoDB shows a commit before it is durable is a redo-log
// flush long with the default settings; here it is widened for the messages that the crash
// is to take back by turning the flush at commit off for them (innodb_flush_log_at_trx_commit
// = 0 and a flush every 60 s: the fault injection; their acknowledgements are not durable
// then, so some of them are lost by design). The consumer reads them and then pauses (no
// poll) across the crash while producers refill the freed offsets; resumed, it must read
// every message of the final log it had not read, and none twice.
TEST(LogDivergence, ConsumerPausedAcrossAKillNineReadsEveryMessageWrittenOverWhatItRead) {
  ClusterOptions options;
  options.private_mariadb = true;
  TestCluster cluster(options);
  cluster.createTopic(kTopic, 1);
  produce(cluster, "old", 100);  // durable
  {
    DbPool pool(cluster.metaDb(), DbPoolOptions{});
    auto db = pool.acquire();
    db->execute("SET GLOBAL innodb_flush_log_at_timeout = 60");
    db->execute("SET GLOBAL innodb_flush_log_at_trx_commit = 0");
  }
  produce(cluster, "doomed", 100);  // visible at once, durable only at the next flush
  ConsumerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  Consumer consumer(config);
  consumer.assign({kPartition});
  consumer.seekToBeginning({kPartition});
  std::map<int64_t, std::string> before;  // what the consumer read before the crash
  for (auto& m : pollFor(consumer, 200)) before[m.offset] = m.value;
  ASSERT_EQ(before.size(), 200u);

  cluster.crashMariadb();  // the consumer is paused: it does not poll until the refill
  // The flush settings are the configured ones again.
  MQ_RESTART_CRASHED_MARIADB(cluster.startMariadb());
  int64_t end = -1;  // once the broker reaches the restarted server
  ASSERT_TRUE(eventually(std::chrono::seconds(30), [&] {
    rpc::ListOffsetsRequest request;
    rpc::ListOffsetsPartition partition;
    partition.topic = kTopic;
    partition.spec = rpc::OffsetSpec::LATEST;
    request.partitions = {partition};
    rpc::ListOffsetsResponse response;
    try {
      (*cluster.brokerClient())->listOffsets(response, request);
    } catch (const std::exception&) {
      return false;  // the broker's own error fence answers; a refusal is thrown
    }
    if (response.results.at(0).error != rpc::ErrorCode::NONE) return false;
    end = response.results[0].offset;
    return true;
  }));
  ASSERT_GE(end, 100) << "the durable messages survive";
  ASSERT_LT(end, 200) << "the crash took none of the doomed messages back: the fault "
                         "injection did not work, and this run proves nothing";
  produce(cluster, "new", 150);  // offsets end..end+149: over the consumer's position 200

  std::map<int64_t, std::string> after;
  for (auto& m : pollFor(consumer, 150)) {
    EXPECT_TRUE(after.emplace(m.offset, m.value).second) << "offset " << m.offset << " twice";
  }
  const auto log = wholeLog(cluster, end + 150);
  ASSERT_EQ(static_cast<int64_t>(log.size()), end + 150);
  int64_t skipped = 0;
  int64_t reread = 0;
  for (const auto& [offset, value] : log) {
    auto read_before = before.find(offset);
    const bool seen_before = read_before != before.end() && read_before->second == value;
    const bool seen_after = after.count(offset) && after.at(offset) == value;
    skipped += !seen_before && !seen_after;
    reread += seen_before && seen_after;
  }
  std::cout << fmt::format(
      "the crash took back {} messages the consumer had read (log end {} -> {}); after the "
      "refill it read {} messages from offset {}\n",
      200 - end, 200, end, after.size(), after.empty() ? -1 : after.begin()->first);
  EXPECT_EQ(skipped, 0) << "messages of the final log the consumer never read";
  EXPECT_EQ(reread, 0) << "messages the consumer read twice";
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.begin()->first, end) << "it went back to where the new messages start";
}

rpc::FetchResponse fetchAt(RpcClient<rpc::BrokerClient>& broker, int64_t offset,
                           std::optional<int64_t> previous_ms, int max_bytes = 0) {
  rpc::FetchRequest request;
  rpc::FetchPartition partition;
  partition.topic = kTopic;
  partition.partition = 0;
  partition.offset = offset;
  partition.max_bytes = max_bytes;
  if (previous_ms) partition.__set_previous_append_time_ms(*previous_ms);
  request.partitions = {partition};
  request.max_wait_ms = 0;
  rpc::FetchResponse response;
  broker->fetch(response, request);
  return response;
}

TEST(LogDivergence, BrokerAnswersTheDivergingOffsetAndNeverTheCheckedMessage) {
  TestCluster cluster;
  cluster.createTopic(kTopic, 1);
  produce(cluster, "old", 20);
  auto broker = cluster.brokerClient();
  auto all = fetchAt(*broker, 0, std::nullopt).results.at(0).messages;
  ASSERT_EQ(all.size(), 20u);

  // The right append time: the messages from the offset on, not the one checked.
  auto same = fetchAt(*broker, 10, all[9].append_time_ms).results.at(0);
  ASSERT_EQ(same.error, rpc::ErrorCode::NONE) << same.error_message;
  ASSERT_EQ(same.messages.size(), 10u);
  EXPECT_EQ(same.messages.front().offset, 10);
  EXPECT_FALSE(same.__isset.diverging_offset);
  // Even when the checked message alone fills max_bytes.
  auto small = fetchAt(*broker, 10, all[9].append_time_ms, 1).results.at(0);
  ASSERT_EQ(small.error, rpc::ErrorCode::NONE) << small.error_message;
  ASSERT_EQ(small.messages.size(), 1u);
  EXPECT_EQ(small.messages.front().offset, 10);
  // At the log end: checked by one lookup, nothing to read.
  auto end = fetchAt(*broker, 20, all[19].append_time_ms).results.at(0);
  EXPECT_EQ(end.error, rpc::ErrorCode::NONE) << end.error_message;
  EXPECT_TRUE(end.messages.empty());

  // Another append time: offset 9 holds another message than the consumer read; it goes
  // back at least to offset 9 (here to 0: all 20 came in one batch, one append time).
  auto other = fetchAt(*broker, 10, all[9].append_time_ms - 1).results.at(0);
  EXPECT_EQ(other.error, rpc::ErrorCode::OFFSET_OUT_OF_RANGE);
  ASSERT_TRUE(other.__isset.diverging_offset);
  EXPECT_LE(other.diverging_offset, 9);
  EXPECT_TRUE(other.messages.empty());
  EXPECT_NE(other.error_message.find("diverged"), std::string::npos) << other.error_message;
  // A time before everything: the log diverged at its start.
  auto before = fetchAt(*broker, 10, all[0].append_time_ms - 1000).results.at(0);
  ASSERT_TRUE(before.__isset.diverging_offset);
  EXPECT_EQ(before.diverging_offset, 0);
  // Past the log end with a check: diverged at the end (not a plain out-of-range).
  auto past = fetchAt(*broker, 30, all[19].append_time_ms).results.at(0);
  EXPECT_EQ(past.error, rpc::ErrorCode::OFFSET_OUT_OF_RANGE);
  ASSERT_TRUE(past.__isset.diverging_offset);
  EXPECT_EQ(past.diverging_offset, 20);
  // Without the check, as before: out of range, no diverging offset.
  auto plain = fetchAt(*broker, 30, std::nullopt).results.at(0);
  EXPECT_EQ(plain.error, rpc::ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_FALSE(plain.__isset.diverging_offset);
  // Three divergences, counted for the operator.
  EXPECT_EQ(metricSum(cluster.brokerMetricsPort(0), "mq_broker_log_divergences_total",
                      {"topic=\"diverge\""}),
            3);
}

}  // namespace
}  // namespace mq::test
