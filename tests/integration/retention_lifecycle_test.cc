// Retention and the partition lifecycle through real processes (docs/retention-and-lifecycle.md):
// a metaserver whose retention cleaner and lifecycle task run every 300 ms on tables of
// 100-offset segments, brokers, the suite's MariaDB, the client library and mqctl.
//
// Offsets that stand for "a group is behind" are admin commits (generation -1 on a group
// without members), so these tests do not depend on group membership.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/property_tree/json_parser.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "mq/client.h"
#include "server/http_client.h"
#include "storage/db_pool.h"
#include "storage/partition_store.h"
#include "tests/harness/eventually.h"
#include "tests/harness/message_batch.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::test {
namespace {

using BrokerRpc = RpcClient<rpc::BrokerClient>;
using MetaRpc = RpcClient<rpc::MetaServiceClient>;

ClusterOptions lifecycleOptions(int datanodes = 1, const char* lifecycle_interval = "300ms") {
  ClusterOptions options;
  options.datanodes = datanodes;
  // Retention is paced as in production, only faster: 100 ms at least between two DDLs on a
  // table and twice as long as the last one took; emptied segments are dropped two at once.
  options.metaserver_args = {"--retention-interval",        "300ms",
                             "--retention-lease",           "3s",
                             "--lifecycle-interval",        lifecycle_interval,
                             "--segment-messages",          "100",
                             "--partition-drop-grace",      "1s",
                             "--retention-delete-pause",    "0ms",
                             "--retention-ddl-gap",         "100ms",
                             "--retention-ddl-rest-factor", "2",
                             "--retention-drop-emptied",    "2"};
  return options;
}

rpc::RequestHeader header() {
  rpc::RequestHeader h;
  h.client_id = "test";
  return h;
}

rpc::ProduceResponse sendBatch(BrokerRpc& broker, const std::string& topic, int partition,
                               const std::vector<std::string>& values) {
  rpc::ProduceRequest request;
  request.header = header();
  request.batches = {batchOf(topic, partition, values)};
  rpc::ProduceResponse response;
  broker->produce(response, request);
  return response;
}

void produce(BrokerRpc& broker, const std::string& topic, int partition,
             const std::vector<std::string>& values) {
  rpc::ProduceResponse response = sendBatch(broker, topic, partition, values);
  ASSERT_EQ(response.results.at(0).error, rpc::ErrorCode::NONE)
      << response.results[0].error_message;
}

std::vector<std::string> numbered(const std::string& prefix, int count) {
  std::vector<std::string> values;
  for (int i = 0; i < count; ++i) values.push_back(fmt::format("{}-{}", prefix, i));
  return values;
}

rpc::PartitionFetchResult fetch(BrokerRpc& broker, const std::string& topic, int partition,
                                int64_t offset, int max_messages = 1000) {
  rpc::FetchRequest request;
  request.header = header();
  rpc::FetchPartition p;
  p.topic = topic;
  p.partition = partition;
  p.offset = offset;
  p.max_messages = max_messages;
  request.partitions = {p};
  request.max_wait_ms = 0;
  rpc::FetchResponse response;
  broker->fetch(response, request);
  return response.results.at(0);
}

void adminCommit(BrokerRpc& broker, const std::string& group, const std::string& topic,
                 int partition, int64_t offset) {
  rpc::CommitOffsetsRequest request;
  request.header = header();
  request.group_id = group;
  request.generation_id = -1;
  rpc::OffsetCommitPartition p;
  p.topic = topic;
  p.partition = partition;
  p.offset = offset;
  request.offsets = {p};
  rpc::CommitOffsetsResponse response;
  broker->commitOffsets(response, request);
  ASSERT_EQ(response.error, rpc::ErrorCode::NONE) << response.error_message;
}

int64_t committedOffset(BrokerRpc& broker, const std::string& group, const std::string& topic,
                        int partition) {
  rpc::FetchOffsetsRequest request;
  request.header = header();
  request.group_id = group;
  rpc::TopicPartitions tp;
  tp.topic = topic;
  tp.partitions = {partition};
  request.partitions = {tp};
  rpc::FetchOffsetsResponse response;
  broker->fetchOffsets(response, request);
  return response.offsets.empty() ? -1 : response.offsets.at(0).offset;
}

rpc::TopicLifecycle lifecycle(MetaRpc& meta, const std::string& topic) {
  rpc::TopicLifecycle result;
  meta->describeTopicLifecycle(result, header(), topic);
  return result;
}

int64_t scalar(const DbTarget& target, const std::string& sql) {
  DbPool pool(target, DbPoolOptions{});
  auto db = pool.acquire();
  auto rows = db->query(sql);
  return rows->next() ? rows->getInt64(1) : -1;
}

bool tableExists(const DbTarget& datanode, const std::string& table) {
  return scalar(datanode, fmt::format("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                      "TABLE_SCHEMA = '{}' AND TABLE_NAME = '{}'",
                                      datanode.database, table)) == 1;
}

std::string metricsAt(int http_port) {
  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = http_port;
  url.target = "/metrics";
  return httpRequest("GET", url, "", "text/plain", 10000).body;
}

std::string metrics(TestCluster& cluster) { return metricsAt(cluster.metaserverHttpPort()); }

void setRetentionMs(MetaRpc& meta, const std::string& topic, int64_t retention_ms) {
  rpc::SetRetentionRequest retention;
  retention.header = header();
  retention.topic = topic;
  retention.__set_retention_ms(retention_ms);
  rpc::TopicRetention set;
  meta->setRetention(set, retention);
  ASSERT_EQ(set.retention_ms, retention_ms);
}

TEST(RetentionLifecycle, ExpiredMessagesGoWholeSegmentsFirstAndAGroupBehindIsResetAndRecorded) {
  TestCluster cluster(lifecycleOptions());
  cluster.createTopic("short", 1);
  auto meta = cluster.metaClient();
  setRetentionMs(*meta, "short", 4000);

  // 200 old messages fill segments s0 and s100 exactly; the new ones go to s200.
  auto broker = cluster.brokerClient();
  produce(*broker, "short", 0, numbered("old", 200));
  adminCommit(*broker, "behind", "short", 0, 10);
  adminCommit(*broker, "caught-up", "short", 0, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(4200));  // the old ones expire
  produce(*broker, "short", 0, numbered("new", 50));

  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return fetch(*broker, "short", 0, 200).start_offset == 200;
  })) << "start offset never advanced";

  // Below the start: a clear error with the new range, never a silent jump.
  auto below = fetch(*broker, "short", 0, 0);
  EXPECT_EQ(below.error, rpc::ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(below.start_offset, 200);
  EXPECT_EQ(below.end_offset, 250);
  // The newer messages stay, and stay after more cleaner runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto kept = fetch(*broker, "short", 0, 200);
  ASSERT_EQ(kept.error, rpc::ErrorCode::NONE) << kept.error_message;
  ASSERT_EQ(kept.messages.size(), 50u);
  EXPECT_EQ(kept.start_offset, 200);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(kept.messages[i].value, fmt::format("new-{}", i));

  // The rows are gone from the datanode: whole segments, with DROP PARTITION. The cleaner
  // advances the start offset first and then empties the segments one by one, resting
  // between them, and resets the groups after the topic's partitions: on a loaded machine
  // that takes seconds, so wait for the end of the run rather than a fixed time.
  const auto table = lifecycle(*meta, "short").partitions.at(0).table_name;
  const auto old_segments = [&] {
    return scalar(cluster.datanodeDb(0),
                  fmt::format("SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE "
                              "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{}' AND "
                              "PARTITION_NAME IN ('s0', 's100')",
                              table));
  };
  EXPECT_TRUE(eventually(std::chrono::seconds(20), [&] {
    return old_segments() == 0 && committedOffset(*broker, "behind", "short", 0) == 200;
  })) << "the expired segments were not dropped, or the group behind was not reset";
  EXPECT_EQ(scalar(cluster.datanodeDb(0), fmt::format("SELECT COUNT(*) FROM `{}`", table)), 50);
  EXPECT_EQ(old_segments(), 0);

  // The group behind was moved to the start offset (policy earliest), and it is on record;
  // the group at the start offset was left alone.
  EXPECT_EQ(committedOffset(*broker, "behind", "short", 0), 200);
  EXPECT_EQ(committedOffset(*broker, "caught-up", "short", 0), 200);
  rpc::ListOffsetResetEventsRequest events_request;
  events_request.header = header();
  events_request.topic = "short";
  std::vector<rpc::OffsetResetEvent> events;
  (*meta)->listOffsetResetEvents(events, events_request);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].group_id, "behind");
  EXPECT_EQ(events[0].old_offset, 10);
  EXPECT_EQ(events[0].new_offset, 200);
  EXPECT_EQ(events[0].policy, "earliest");
  EXPECT_EQ(events[0].reason, "retention");

  const std::string page = metrics(cluster);
  EXPECT_NE(page.find("mq_consumer_offset_resets_total{group=\"behind\",topic=\"short\"} 1"),
            std::string::npos);
  EXPECT_NE(page.find("mq_retention_deleted_messages_total{topic=\"short\"} 200"),
            std::string::npos);
  EXPECT_NE(page.find("mq_retention_runs_total{result=\"ok\"}"), std::string::npos);

  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"retention", "resets", "--group", "behind"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("earliest"), std::string::npos) << out;
}

TEST(RetentionLifecycle, MessageCountLimitRemovesWholeClosedSegmentsOnly) {
  TestCluster cluster(lifecycleOptions());
  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl(
                {"topic", "create", "counted", "--partitions", "1", "--retention-messages", "120"},
                &out, &err),
            0)
      << err;
  auto broker = cluster.brokerClient();
  auto start = [&] { return fetch(*broker, "counted", 0, 0, 1).start_offset; };
  // 450 at once: s0 and s100 go whole; the rest was written beyond the last boundary (pmax,
  // the open segment), so its expired rows are deleted: exactly the newest 120 stay.
  produce(*broker, "counted", 0, numbered("a", 450));
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] { return start() == 330; })) << start();
  // 200 more: 330..449 now sit in a closed segment that is only partly expired: it stays
  // until all of it is (retention keeps at most one segment more than asked).
  produce(*broker, "counted", 0, numbered("b", 200));
  // The cleaner has seen them once it has put a segment boundary at their end (650).
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return scalar(cluster.datanodeDb(0),
                  "SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = "
                  "DATABASE() AND TABLE_NAME LIKE 'mq\\_t%\\_p0' AND PARTITION_DESCRIPTION = "
                  "'650'") == 1;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(start(), 330);
  // 100 more: that segment is wholly beyond the newest 120 now and is dropped; the next one
  // (550..649, closed, partly expired) stays.
  produce(*broker, "counted", 0, numbered("c", 100));
  EXPECT_TRUE(eventually(std::chrono::seconds(10), [&] { return start() == 550; })) << start();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(start(), 550);

  // That segment (s200) was emptied alone: with --retention-drop-emptied 2 it stays, empty,
  // until a second one is emptied; then both go in one DROP PARTITION.
  auto meta = cluster.metaClient();
  const auto table = lifecycle(*meta, "counted").partitions.at(0).table_name;
  const auto segment_exists = [&](const std::string& name) {
    return scalar(cluster.datanodeDb(0),
                  fmt::format("SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE "
                              "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{}' AND "
                              "PARTITION_NAME = '{}'",
                              table, name)) == 1;
  };
  const auto rows_in = [&](int64_t from, int64_t to) {
    return scalar(cluster.datanodeDb(0),
                  fmt::format("SELECT COUNT(*) FROM `{}` WHERE `offset` >= {} AND `offset` < {}",
                              table, from, to));
  };
  EXPECT_TRUE(eventually(std::chrono::seconds(10), [&] { return rows_in(0, 550) == 0; }));
  EXPECT_TRUE(segment_exists("s200"));
  EXPECT_TRUE(segment_exists("s550"));
  // 100 more (750..849): 550..649 is wholly beyond the newest 120 now and is emptied; with
  // s200 that makes two emptied segments, and both are dropped.
  produce(*broker, "counted", 0, numbered("d", 100));
  EXPECT_TRUE(eventually(
      std::chrono::seconds(20),
      [&] { return start() == 650 && !segment_exists("s200") && !segment_exists("s550"); }))
      << "start " << start() << ", s200 " << segment_exists("s200") << ", s550 "
      << segment_exists("s550");
  EXPECT_EQ(rows_in(0, 650), 0);
  EXPECT_EQ(rows_in(650, 850), 200);

  ASSERT_EQ(
      cluster.mqctl({"topic", "set-retention", "counted", "--messages", "0", "--retention", "1h"},
                    &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("retention 1h"), std::string::npos) << out;
}

// Emptying a segment swaps it with a spare table made from the partition table template; a
// table whose definition has drifted from the template (here: an extra column) makes the
// EXCHANGE refuse that spare, and the spare is made from the table itself instead. Either
// way exactly the segment's rows leave and the rest stay.
TEST(RetentionLifecycle, EmptyingASegmentWorksForTemplateAndDriftedTables) {
  TestCluster cluster(lifecycleOptions());
  DbPool pool(cluster.datanodeDb(0), DbPoolOptions{});
  auto db = pool.acquire();
  for (const std::string table : {"mq_spare_plain", "mq_spare_drifted"}) {
    PartitionStore::createPartition(*db, table, 100);
    if (table == "mq_spare_drifted") {
      db->execute(fmt::format("ALTER TABLE `{}` ADD COLUMN extra INT NULL", table));
    }
    std::string rows;
    for (int offset = 0; offset < 150; ++offset) {
      rows += fmt::format("{}({}, 'v', 0, 0)", offset ? "," : "", offset);
    }
    db->execute(fmt::format("INSERT INTO `{}` (`offset`, payload, produce_ms, append_ms) VALUES {}",
                            table, rows));
    PartitionStore::emptySegment(*db, table, "s0", 2);
    EXPECT_EQ(scalar(cluster.datanodeDb(0),
                     fmt::format("SELECT COUNT(*) FROM `{}` WHERE `offset` < 100", table)),
              0)
        << table;
    EXPECT_EQ(scalar(cluster.datanodeDb(0),
                     fmt::format("SELECT COUNT(*) FROM `{}` WHERE `offset` >= 100", table)),
              50)
        << table;
    EXPECT_FALSE(tableExists(cluster.datanodeDb(0), table + "_rx")) << table;
    PartitionStore::dropPartition(*db, table);
  }
}

// A consumer with manual assignment that re-reads the topic's partitions every 200 ms and
// commits what it consumed, as group `group` (admin commits).
class RereadingConsumer {
 public:
  RereadingConsumer(TestCluster& cluster, std::string topic, std::string group)
      : cluster_(cluster), topic_(std::move(topic)), group_(std::move(group)) {
    thread_ = std::thread([this] { run(); });
  }
  ~RereadingConsumer() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::string, int> counts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_;
  }
  std::map<int, int> perPartition() {
    std::lock_guard<std::mutex> lock(mutex_);
    return per_partition_;
  }
  std::string error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

 private:
  void run() {
    try {
      ClientConfig admin_config;
      admin_config.metaserver = cluster_.metaserverAddress();
      AdminClient admin(admin_config);
      ConsumerConfig config;
      config.bootstrap_brokers = cluster_.brokerAddresses();
      config.group_id = group_;
      config.enable_auto_commit = false;
      config.metadata_refresh_ms = 200;
      Consumer consumer(config);
      auto last_refresh = std::chrono::steady_clock::now() - std::chrono::seconds(1);
      while (!stopping_) {
        if (std::chrono::steady_clock::now() - last_refresh > std::chrono::milliseconds(200)) {
          std::vector<TopicPartition> all;
          for (const auto& p : admin.describeTopic(topic_).partitions) {
            all.push_back({topic_, p.partition});
          }
          consumer.assign(all);
          last_refresh = std::chrono::steady_clock::now();
        }
        auto messages = consumer.poll(std::chrono::milliseconds(100));
        {
          std::lock_guard<std::mutex> lock(mutex_);
          for (const auto& m : messages) {
            ++counts_[m.value];
            ++per_partition_[m.partition];
          }
        }
        if (!messages.empty()) consumer.commitSync();
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = e.what();
    }
  }

  TestCluster& cluster_;
  const std::string topic_;
  const std::string group_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, int> counts_;  // value -> times consumed
  std::map<int, int> per_partition_;
  std::string error_;
  std::thread thread_;
};

TEST(RetentionLifecycle, AddingAndMigratingPartitionsUnderLiveTrafficLosesAndRepeatsNothing) {
  TestCluster cluster(lifecycleOptions(/*datanodes=*/2));
  cluster.createTopic("live", 2);
  auto meta = cluster.metaClient();
  const int original_datanode = lifecycle(*meta, "live").partitions.at(0).datanode_id;

  ProducerConfig producer_config;
  producer_config.metaserver = cluster.metaserverAddress();
  producer_config.bootstrap_brokers = cluster.brokerAddresses();
  producer_config.metadata_refresh_ms = 200;
  producer_config.linger_ms = 2;
  Producer producer(producer_config);
  RereadingConsumer consumer(cluster, "live", "live-g");

  // Keyless values 0..: a value whose send fails (a batch in flight to the partition that
  // just became read-only is refused, whole) is sent again, as an application would.
  std::set<int> acknowledged;
  int refused = 0;
  int next_value = 0;
  std::vector<int> pending;
  auto send_round = [&] {
    for (int i = 0; i < 40; ++i) pending.push_back(next_value++);
    std::vector<std::pair<int, std::future<SendResult>>> sent;
    for (int value : pending)
      sent.emplace_back(value, producer.sendAsync("live", std::to_string(value)));
    pending.clear();
    producer.flush();
    for (auto& [value, future] : sent) {
      try {
        future.get();
        acknowledged.insert(value);
      } catch (const Error& e) {
        ASSERT_EQ(e.code(), client::ErrorCode::PARTITION_READ_ONLY) << e.what();
        ++refused;
        pending.push_back(value);
      }
    }
  };
  auto run_for = [&](std::chrono::milliseconds span) {
    const auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
      send_round();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };

  run_for(std::chrono::milliseconds(1500));
  rpc::TopicInfo grown;
  (*meta)->addPartitions(grown, header(), "live", 1);  // partition 2
  ASSERT_EQ(grown.partitions.size(), 3u);
  run_for(std::chrono::milliseconds(1500));
  rpc::MigratePartitionRequest migrate;
  migrate.header = header();
  migrate.topic = "live";
  migrate.partition = 0;
  rpc::MigratePartitionResponse moved;
  (*meta)->migratePartition(moved, migrate);  // placement picks the other datanode
  EXPECT_EQ(moved.new_partition.partition, 3);
  EXPECT_NE(moved.new_partition.datanode_id, original_datanode);
  EXPECT_EQ(moved.old_partition.state, "read_only");
  // Sealed at once: even a broker whose topology is a second old cannot append any more.
  auto broker = cluster.brokerClient();
  rpc::ProduceRequest late;
  late.header = header();
  rpc::PartitionBatch batch;
  batch.topic = "live";
  batch.partition = 0;
  batch.messages.resize(1);
  batch.messages[0].value = "late";
  late.batches = {batch};
  rpc::ProduceResponse refused_late;
  (*broker)->produce(refused_late, late);
  EXPECT_EQ(refused_late.results.at(0).error, rpc::ErrorCode::PARTITION_READ_ONLY);

  run_for(std::chrono::milliseconds(1500));
  while (!pending.empty()) send_round();
  producer.close();
  const int total = static_cast<int>(acknowledged.size());
  ASSERT_EQ(total, next_value);

  ASSERT_TRUE(eventually(std::chrono::seconds(15),
                         [&] { return static_cast<int>(consumer.counts().size()) >= total; }))
      << "consumed " << consumer.counts().size() << " of " << total << "; " << consumer.error();
  // The old partition is drained, retired and its table dropped after the grace period,
  // while the consumer keeps it assigned (it reads as empty at its final offset).
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    auto p = lifecycle(*meta, "live").partitions.at(0);
    return p.state == "retired" && p.table_dropped;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  consumer.stop();
  EXPECT_EQ(consumer.error(), "");

  auto counts = consumer.counts();
  int duplicates = 0;
  for (const auto& [value, times] : counts) duplicates += times - 1;
  EXPECT_EQ(static_cast<int>(counts.size()), total) << "every acknowledged message, no other";
  EXPECT_EQ(duplicates, 0) << "one consumer that never restarts reads each message once";
  for (int value : acknowledged) EXPECT_EQ(counts.count(std::to_string(value)), 1u) << value;
  auto per_partition = consumer.perPartition();
  EXPECT_GT(per_partition[2], 0) << "the added partition was used without restarts";
  EXPECT_GT(per_partition[3], 0) << "the replacement partition was used without restarts";
  std::cout << fmt::format(
      "[ info ] {} messages, {} sends refused by the read-only partition "
      "and sent again; per partition: 0={} 1={} 2={} 3={}\n",
      total, refused, per_partition[0], per_partition[1], per_partition[2], per_partition[3]);

  // Fetching the retired partition: empty at its final offset, a clear error elsewhere.
  auto retired = lifecycle(*meta, "live").partitions.at(0);
  auto at_end = fetch(*broker, "live", 0, retired.end_offset);
  EXPECT_EQ(at_end.error, rpc::ErrorCode::NONE);
  EXPECT_TRUE(at_end.messages.empty());
  auto before_end = fetch(*broker, "live", 0, 0);
  EXPECT_EQ(before_end.error, rpc::ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_NE(before_end.error_message.find("retired"), std::string::npos)
      << before_end.error_message;
  EXPECT_EQ(per_partition[0], retired.end_offset) << "partition 0's messages all consumed";
}

bool hasLine(const std::string& page, const std::string& line) {
  return page.find("\n" + line + "\n") != std::string::npos;
}

TEST(RetentionLifecycle, StandbyMetaserverTakesOverRetentionWhenTheActiveOneIsKilled) {
  TestCluster cluster(lifecycleOptions());
  cluster.createTopic("short", 1);
  setRetentionMs(*cluster.metaClient(), "short", 4000);

  // A second metaserver on the same metadata database stands by.
  auto standby = cluster.startStandbyMetaserver();
  const int standby_http = standby.http_port;
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return hasLine(metrics(cluster), "mq_retention_active 1");
  })) << "the first metaserver cleans";
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_TRUE(hasLine(metricsAt(standby_http), "mq_retention_active 0")) << "one cleaner at a time";

  auto broker = cluster.brokerClient();
  produce(*broker, "short", 0, numbered("old", 200));  // segments s0 and s100
  const auto produced = std::chrono::steady_clock::now();

  // The active metaserver dies without releasing its lease (retention-lease 3 s).
  cluster.metaserver().signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  auto since_kill = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 killed)
        .count();
  };
  ASSERT_TRUE(eventually(std::chrono::seconds(15), [&] {
    return hasLine(metricsAt(standby_http), "mq_retention_active 1");
  })) << "the standby never took the retention lease";
  const auto took_over_ms = since_kill();
  // The old messages expire 4 s after they were produced; a newer one stays (in s200).
  std::this_thread::sleep_until(produced + std::chrono::milliseconds(4200));
  produce(*broker, "short", 0, numbered("new", 1));
  ASSERT_TRUE(eventually(std::chrono::seconds(20), [&] {
    return fetch(*broker, "short", 0, 200).start_offset == 200;
  })) << "the standby did not clean up";
  const auto cleaned_ms = since_kill();
  EXPECT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return metricsAt(standby_http)
               .find("mq_retention_deleted_messages_total{topic=\"short\"} 200") !=
           std::string::npos;
  })) << "the standby is the one that removed them";
  auto kept = fetch(*broker, "short", 0, 200);
  ASSERT_EQ(kept.messages.size(), 1u);
  EXPECT_EQ(kept.messages[0].value, "new-0");
  std::cout << "standby took the retention lease " << took_over_ms
            << " ms after the kill (lease 3 s); expired messages gone " << cleaned_ms
            << " ms after the kill (they expired about 4.2 s after being produced)\n";
  standby.process->stop();
}

TEST(RetentionLifecycle, DeletingATopicInUseNeedsForceAndItsTablesGoAfterTheGracePeriod) {
  TestCluster cluster(lifecycleOptions());
  auto topic = cluster.createTopic("doomed", 2);
  auto broker = cluster.brokerClient();
  produce(*broker, "doomed", 0, numbered("d", 5));
  adminCommit(*broker, "reader", "doomed", 0, 3);

  std::string out;
  std::string err;
  EXPECT_EQ(cluster.mqctl({"topic", "delete", "doomed"}, &out, &err), 1);
  EXPECT_NE(err.find("in use"), std::string::npos) << err;
  EXPECT_NE(err.find("reader"), std::string::npos) << err;

  ASSERT_EQ(cluster.mqctl({"topic", "delete", "doomed", "--force"}, &out, &err), 0) << err;
  // Metadata goes at once (offsets too); the table stays for the grace period (1 s).
  auto meta = cluster.metaClient();
  rpc::TopicInfo info;
  EXPECT_THROW((*meta)->describeTopic(info, header(), "doomed"), rpc::MqError);
  EXPECT_EQ(committedOffset(*broker, "reader", "doomed", 0), -1);
  const std::string table = topic.partitions.at(0).table_name;
  EXPECT_TRUE(tableExists(cluster.datanodeDb(0), table));
  EXPECT_TRUE(eventually(std::chrono::seconds(10),
                         [&] { return !tableExists(cluster.datanodeDb(0), table); }));
  // The name is free again, with new tables.
  auto again = cluster.createTopic("doomed", 1);
  EXPECT_NE(again.partitions.at(0).table_name, table);
}

TEST(RetentionLifecycle, DecommissionedDatanodeIsDrainedRetiredAndSkippedByPlacement) {
  TestCluster cluster(lifecycleOptions(/*datanodes=*/2));
  auto topic = cluster.createTopic("moving", 2);
  auto meta = cluster.metaClient();
  auto broker = cluster.brokerClient();
  std::vector<rpc::DatanodeInfo> nodes;
  (*meta)->listDatanodes(nodes, header());
  ASSERT_EQ(nodes.size(), 2u);
  const int on_dn0 = topic.partitions.at(0).datanode_id == nodes[0].id ? 0 : 1;
  produce(*broker, "moving", on_dn0, numbered("x", 20));
  adminCommit(*broker, "slow", "moving", on_dn0, 5);

  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"datanode", "decommission", nodes[0].name}, &out, &err), 0) << err;
  EXPECT_NE(out.find("decommissioning"), std::string::npos) << out;
  // Partitions created now avoid it.
  auto placed = cluster.createTopic("placed", 3);
  for (const auto& p : placed.partitions) EXPECT_NE(p.datanode_id, nodes[0].id);
  // Still draining: the slow group has not read partition `on_dn0` to its end (20).
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto state = lifecycle(*meta, "moving").partitions.at(on_dn0);
  EXPECT_EQ(state.state, "read_only");
  EXPECT_EQ(state.replaced_by, 2);
  ASSERT_EQ(cluster.mqctl({"datanode", "lifecycle"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("decommissioning"), std::string::npos) << out;

  adminCommit(*broker, "slow", "moving", on_dn0, 20);
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    std::vector<rpc::DatanodeLifecycle> states;
    (*meta)->listDatanodeLifecycle(states, header());
    for (const auto& s : states) {
      if (s.name == nodes[0].name) return s.state == "decommissioned";
    }
    return false;
  }));
  auto retired = lifecycle(*meta, "moving").partitions.at(on_dn0);
  EXPECT_EQ(retired.state, "retired");
  EXPECT_EQ(retired.end_offset, 20);
  EXPECT_TRUE(retired.table_dropped);
  auto answer = fetch(*broker, "moving", on_dn0, 20);
  EXPECT_EQ(answer.error, rpc::ErrorCode::NONE);
  EXPECT_EQ(answer.end_offset, 20);
}

TEST(RetentionLifecycle, DecommissionRacingTheLifecycleTaskMovesEveryPartitionExactlyOnce) {
  // The lifecycle task also migrates what it finds active on a decommissioning datanode:
  // run it as often as it may run (every 100 ms), so that it races the decommission call's
  // own migrations.
  TestCluster cluster(lifecycleOptions(/*datanodes=*/2, /*lifecycle_interval=*/"100ms"));
  constexpr int kPartitions = 24;
  cluster.createTopic("crowded", kPartitions);
  auto meta = cluster.metaClient();
  std::vector<rpc::DatanodeInfo> nodes;
  (*meta)->listDatanodes(nodes, header());
  ASSERT_EQ(nodes.size(), 2u);
  std::set<int> on_dn0;
  for (const auto& p : lifecycle(*meta, "crowded").partitions) {
    if (p.datanode_id == nodes[0].id) on_dn0.insert(p.partition);
  }
  ASSERT_GE(on_dn0.size(), 2u);

  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"datanode", "decommission", nodes[0].name}, &out, &err), 0) << err;
  // Each partition that was on it is replaced by exactly one new partition on the other
  // datanode, whoever moved it; none was added twice.
  const auto partitions = lifecycle(*meta, "crowded").partitions;
  EXPECT_EQ(partitions.size(), kPartitions + on_dn0.size());
  std::set<int> replacements;
  for (const auto& p : partitions) {
    if (p.partition >= kPartitions) {
      EXPECT_EQ(p.datanode_id, nodes[1].id) << p.partition;
      EXPECT_EQ(p.state, "active") << p.partition;
    } else if (on_dn0.count(p.partition)) {
      EXPECT_NE(p.state, "active") << p.partition;
      EXPECT_GE(p.replaced_by, kPartitions) << p.partition;
      replacements.insert(p.replaced_by);
    } else {
      EXPECT_EQ(p.state, "active") << p.partition;
    }
  }
  EXPECT_EQ(replacements.size(), on_dn0.size());
}

TEST(RetentionLifecycle, MqctlTopicLifecycleShowsEachPartitionsOffsetsAndSize) {
  TestCluster cluster(lifecycleOptions());
  cluster.createTopic("sized", 2);
  auto broker = cluster.brokerClient();
  produce(*broker, "sized", 0, numbered("m", 30));

  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"topic", "lifecycle", "sized", "--json"}, &out, &err), 0) << err;
  boost::property_tree::ptree topic;
  std::istringstream json(out);
  boost::property_tree::read_json(json, topic);
  std::map<int, boost::property_tree::ptree> partitions;
  for (const auto& [unused, p] : topic.get_child("partitions")) {
    partitions[p.get<int>("partition")] = p;
  }
  ASSERT_EQ(partitions.size(), 2u) << out;
  EXPECT_EQ(partitions[0].get<int64_t>("end_offset"), 30);
  EXPECT_EQ(partitions[1].get<int64_t>("end_offset"), 0);
  // InnoDB's statistics count whole pages: any existing table has at least one.
  EXPECT_GT(partitions[0].get<int64_t>("size_bytes"), 0) << out;
  EXPECT_GT(partitions[1].get<int64_t>("size_bytes"), 0) << out;

  ASSERT_EQ(cluster.mqctl({"topic", "lifecycle", "sized"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("SIZE_BYTES"), std::string::npos) << out;
  const std::string size = std::to_string(partitions[0].get<int64_t>("size_bytes"));
  EXPECT_NE(out.find(" " + size + " "), std::string::npos) << out;
}

TEST(RetentionLifecycle, ReadOnlyPartitionRefusesProduceAndCanBeMadeWritableAgain) {
  TestCluster cluster(lifecycleOptions());
  cluster.createTopic("ro", 2);
  auto broker = cluster.brokerClient();
  produce(*broker, "ro", 1, numbered("a", 3));
  adminCommit(*broker, "g", "ro", 1, 0);  // keeps it from being retired
  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"partition", "read-only", "ro", "1"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("read_only"), std::string::npos) << out;
  rpc::ProduceRequest request;
  request.header = header();
  rpc::PartitionBatch batch;
  batch.topic = "ro";
  batch.partition = 1;
  batch.messages.resize(1);
  batch.messages[0].value = "x";
  request.batches = {batch};
  rpc::ProduceResponse response;
  (*broker)->produce(response, request);
  EXPECT_EQ(response.results.at(0).error, rpc::ErrorCode::PARTITION_READ_ONLY);

  ASSERT_EQ(cluster.mqctl({"partition", "writable", "ro", "1"}, &out, &err), 0) << err;
  ASSERT_TRUE(eventually(std::chrono::seconds(5), [&] {
    (*broker)->produce(response, request);
    return response.results.at(0).error == rpc::ErrorCode::NONE;
  })) << response.results.at(0).error_message;
  EXPECT_EQ(response.results.at(0).base_offset, 3);
}

// The lifecycle task seals read_only partitions from a topology it read a moment earlier; a
// `writable` landing in between used to be undone by that seal, leaving an active partition
// that refused every produce. Toggled quickly while the task runs every 300 ms, the partition
// must take produce after each `writable`.
TEST(RetentionLifecycle, WritableAgainIsNeverResealedByTheLifecycleTask) {
  TestCluster cluster(lifecycleOptions());
  cluster.createTopic("toggle", 1);
  auto broker = cluster.brokerClient();
  auto meta = cluster.metaClient();
  // A group behind the end keeps the read-only partition from being retired meanwhile.
  produce(*broker, "toggle", 0, numbered("first", 1));
  adminCommit(*broker, "g", "toggle", 0, 0);
  int64_t next_offset = 1;
  for (int round = 0; round < 12; ++round) {
    rpc::PartitionLifecycle state;
    (*meta)->setPartitionReadOnly(state, header(), "toggle", 0, true);
    ASSERT_EQ(state.state, "read_only");
    // Let the lifecycle task read the read_only topology, then race its seal.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + 23 * round % 300));
    (*meta)->setPartitionReadOnly(state, header(), "toggle", 0, false);
    ASSERT_EQ(state.state, "active");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // > one lifecycle run
    rpc::ProduceResponse response;
    ASSERT_TRUE(eventually(std::chrono::seconds(5),
                           [&] {
                             response = sendBatch(*broker, "toggle", 0, numbered("m", 1));
                             return response.results.at(0).error == rpc::ErrorCode::NONE;
                           }))
        << "round " << round << ": " << response.results.at(0).error_message;
    EXPECT_EQ(response.results.at(0).base_offset, next_offset++);
  }
}

}  // namespace
}  // namespace mq::test
