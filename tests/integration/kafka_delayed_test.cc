// Delayed delivery and dead letters from unmodified Kafka clients (docs/kafka.md#delayed-
// delivery-and-dead-letters): kcat 1.7.1 (librdkafka 2.0.2) sends the delivery-time headers
// mq-delay-ms and mq-deliver-at-ms; the broker holds those records back like the Thrift
// door's deliver_at_ms and appends them when due (after the messages produced meanwhile),
// without the header; bad values are refused per partition (raw frames: INVALID_RECORD with
// a message, nothing of the partition stored). confluent-kafka's AdminClient makes a group's
// retry and dead-letter topics by their names, registered as the group's (mqctl dlq sees
// them); kcat produces a retry and a dead letter to them and reads them back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/record_batch.h"
#include "common/clock.h"
#include "mq/client.h"
#include "tests/harness/kafka_wire_client.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;

namespace mq::test {
namespace {

ClusterOptions withKafka() {
  ClusterOptions options;
  options.kafka = true;
  return options;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// kcat -P of `input` (one message per line, `key:value`) with extra arguments (-H ...).
void kcatProduce(const std::string& bootstrap, const std::string& topic, const std::string& input,
                 std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "/usr/bin/kcat",          "-b", bootstrap, "-t", topic, "-P", "-K:", "-X", "acks=all", "-X",
      "enable.idempotence=true"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string output, error;
  ASSERT_EQ(runCommand(args, input, &output, &error, 60000), 0) << error;
}

// kcat -C from the beginning to the end of the topic: "partition offset key value headers".
std::vector<std::string> kcatConsume(const std::string& bootstrap, const std::string& topic) {
  std::string output, error;
  EXPECT_EQ(runCommand({"/usr/bin/kcat", "-b", bootstrap, "-t", topic, "-C", "-e", "-q", "-o",
                        "beginning", "-f", "%p %o %k %s %h\n"},
                       "", &output, &error, 60000),
            0)
      << error;
  return lines(output);
}

// The topic's messages through the Thrift door once it holds `count` (waits at most 60 s).
std::vector<TopicMessage> waitForMessages(TestCluster& cluster, const std::string& topic,
                                          int partitions, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto messages = readTopicThroughThrift(cluster, topic, partitions);
    if (messages.size() >= count || std::chrono::steady_clock::now() > deadline) return messages;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

TEST(KafkaDelayed, KcatDelayedRecordsAreAppendedWhenDueAfterLaterOnesAndTheThriftDoorReadsThem) {
  TestCluster cluster(withKafka());
  cluster.createTopic("later", 1);
  const std::string bootstrap = cluster.kafkaBootstrap();

  // Two delayed records, one by a relative delay and one by an absolute time, then two
  // immediate ones.
  constexpr int64_t kDelayMs = 10000;
  const int64_t sent_ms = nowMs();
  const int64_t deliver_at = sent_ms + kDelayMs;
  kcatProduce(bootstrap, "later", "k:by-delay\n",
              {"-H", fmt::format("mq-delay-ms={}", kDelayMs), "-H", "source=kcat"});
  kcatProduce(bootstrap, "later", "k:by-time\n",
              {"-H", fmt::format("mq-deliver-at-ms={}", deliver_at), "-H", "source=kcat"});
  kcatProduce(bootstrap, "later", "k:now-1\nk:now-2\n", {"-H", "source=kcat"});

  // A consumer that reads before the delivery time sees the immediate records only.
  const auto early = kcatConsume(bootstrap, "later");
  const int64_t early_read_ms = nowMs();
  if (early_read_ms < deliver_at) {
    EXPECT_EQ(early,
              (std::vector<std::string>{"0 0 k now-1 source=kcat", "0 1 k now-2 source=kcat"}));
  } else {
    ADD_FAILURE() << "the first read ended " << early_read_ms - sent_ms
                  << " ms after the produce, after the delivery time: nothing to check";
  }

  // Once due, both are appended after the immediate ones, without the delivery header, and
  // never before their time (append time at or after it).
  const auto messages = waitForMessages(cluster, "later", 1, 4);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].message.value, "now-1");
  EXPECT_EQ(messages[1].message.value, "now-2");
  std::set<std::string> delayed = {messages[2].message.value, messages[3].message.value};
  EXPECT_EQ(delayed, (std::set<std::string>{"by-delay", "by-time"}));
  for (size_t i = 2; i < 4; ++i) {
    const auto& m = messages[i].message;
    EXPECT_EQ(m.offset, static_cast<int64_t>(i));
    EXPECT_EQ(m.key, "k");
    EXPECT_EQ(m.headers, (std::map<std::string, std::string>{{"source", "kcat"}})) << m.value;
    EXPECT_GE(m.append_time_ms, m.value == "by-time" ? deliver_at : sent_ms + kDelayMs) << m.value;
  }
  // kcat reads the same, in the same order.
  const auto all = kcatConsume(bootstrap, "later");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0], "0 0 k now-1 source=kcat");
  EXPECT_EQ(all[1], "0 1 k now-2 source=kcat");
  EXPECT_EQ(all[2], fmt::format("0 2 k {} source=kcat", messages[2].message.value));
  EXPECT_EQ(all[3], fmt::format("0 3 k {} source=kcat", messages[3].message.value));
}

std::string recordsWith(std::vector<kafka::RecordHeader> delayed_headers) {
  kafka::RecordBatch batch;
  batch.records.push_back({0, 1700000000000, std::string("k"), std::string("immediate"), {}});
  batch.records.push_back(
      {1, 1700000000001, std::string("k"), std::string("delayed"), std::move(delayed_headers)});
  kafka::WireWriter out;
  kafka::encodeRecordBatch(batch, kafka::Compression::kNone, out);
  return out.buffer();
}

TEST(KafkaDelayed, ABadDeliveryHeaderIsRefusedPerPartitionAndStoresNothingOfIt) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 2);
  KafkaWireClient client(cluster.kafkaPort(0));
  const int64_t too_far = nowMs() + 91LL * 24 * 3600 * 1000;  // max-delay is 90 days
  const std::vector<std::pair<std::vector<kafka::RecordHeader>, std::string>> bad = {
      {{{"mq-delay-ms", std::string("soon")}}, "must be a decimal number"},
      {{{"mq-delay-ms", std::string("-5")}}, "must be a decimal number"},
      {{{"mq-delay-ms", std::string(" 5")}}, "must be a decimal number"},
      {{{"mq-delay-ms", std::nullopt}}, "must be a decimal number"},
      {{{"mq-delay-ms", std::string("99999999999999999999")}}, "must be a decimal number"},
      {{{"mq-delay-ms", std::string("7776000001")}}, "max-delay"},
      {{{"mq-deliver-at-ms", std::to_string(too_far)}}, "max-delay"},
      {{{"mq-delay-ms", std::string("5")}, {"mq-deliver-at-ms", std::string("5")}}, "both given"},
  };
  for (const auto& [headers, expected] : bad) {
    kafka::ProduceRequest request;
    request.acks = -1;
    request.timeout_ms = 10000;
    // Partition 0 gets the bad record, partition 1 a good batch in the same request.
    request.topics.push_back(
        {"wire",
         {{0, recordsWith(headers)}, {1, recordsWith({{"mq-delay-ms", std::string("0")}})}}});
    const auto response = client.call<kafka::ProduceResponse>(0, 8, request, false);
    const auto& refused = response.responses.at(0).partitions.at(0);
    EXPECT_EQ(refused.error_code, 87) << expected;  // INVALID_RECORD
    ASSERT_TRUE(refused.error_message) << expected;
    EXPECT_NE(refused.error_message->find("record 1: "), std::string::npos)
        << *refused.error_message;
    EXPECT_NE(refused.error_message->find(expected), std::string::npos) << *refused.error_message;
    ASSERT_EQ(refused.record_errors.size(), 1u);
    EXPECT_EQ(refused.record_errors[0].batch_index, 1);
    EXPECT_EQ(response.responses.at(0).partitions.at(1).error_code, 0);
  }
  // A delay of 0 is now: partition 1 holds every good batch (2 records each); partition 0
  // holds nothing, neither the immediate records of the refused batches nor, later, the
  // delayed ones.
  std::this_thread::sleep_for(std::chrono::seconds(1));  // a few delay-mover passes
  const auto messages = readTopicThroughThrift(cluster, "wire", 2);
  size_t on_partition_1 = 0;
  for (const auto& m : messages) {
    EXPECT_EQ(m.partition, 1) << m.message.value;
    on_partition_1 += m.partition == 1;
    EXPECT_EQ(m.message.headers.count("mq-delay-ms"), 0u);
  }
  EXPECT_EQ(on_partition_1, 2 * bad.size());
}

// Runs tests/kafka/admin.py create; its JSON lines.
std::string kafkaCreate(const std::string& bootstrap, const std::vector<std::string>& topics) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/admin.py",
                                   bootstrap, "create"};
  argv.insert(argv.end(), topics.begin(), topics.end());
  std::string output, error;
  EXPECT_EQ(runCommand(argv, "", &output, &error, 60000), 0) << output << error;
  return output;
}

TEST(KafkaDeadLetters, KafkaClientsMakeAGroupsRetryAndDeadLetterTopicsAndUseThem) {
  TestCluster cluster(withKafka());
  cluster.createTopic("orders", 3);
  const std::string bootstrap = cluster.kafkaBootstrap();

  // CreateTopics of the group's dead-letter topic asks the metaserver for the pair: both
  // exist afterwards, registered as billing's for `orders`.
  const std::string made = kafkaCreate(bootstrap, {"mq.dlq.billing.orders:1"});
  EXPECT_NE(made.find(R"("name": "mq.dlq.billing.orders", "error_code": 0)"), std::string::npos)
      << made;
  ClientConfig config;
  config.metaserver = cluster.metaserverAddress();
  AdminClient admin(config);
  const auto pairs = admin.listDeadLetters("billing");
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].topics.topic, "orders");
  EXPECT_EQ(pairs[0].topics.retry_topic, "mq.retry.billing.orders");
  EXPECT_EQ(pairs[0].topics.dead_letter_topic, "mq.dlq.billing.orders");
  EXPECT_EQ(pairs[0].topics.retry_partitions, 3);

  // The retry topic exists now (36, as Kafka answers); a wrong partition count, a pair whose
  // topic does not exist and a group's name without a topic are refused with a message.
  const std::string refused =
      kafkaCreate(bootstrap, {"mq.retry.billing.orders:3", "mq.retry.shipping.orders:2",
                              "mq.dlq.billing.nosuch:1", "mq.dlq.billing:1"});
  EXPECT_NE(refused.find(R"("name": "mq.retry.billing.orders", "error_code": 36)"),
            std::string::npos)
      << refused;
  EXPECT_NE(refused.find(R"("name": "mq.retry.shipping.orders", "error_code": 37)"),
            std::string::npos)
      << refused;
  EXPECT_NE(refused.find(R"("name": "mq.dlq.billing.nosuch", "error_code": 17)"), std::string::npos)
      << refused;
  EXPECT_NE(refused.find(R"("name": "mq.dlq.billing", "error_code": 17)"), std::string::npos)
      << refused;
  EXPECT_EQ(admin.listDeadLetters("shipping").size(), 0u);

  // A Kafka consumer of billing that gives up on a message: a retry in 10 s to the retry
  // topic (same partition), and a dead letter with its history.
  kcatProduce(bootstrap, "mq.retry.billing.orders", "order-7:payload-7\n",
              {"-p", "2", "-H", "mq-delay-ms=10000", "-H", "mq-attempt=1", "-H",
               "mq-original-topic=orders", "-H", "mq-original-partition=2"});
  kcatProduce(bootstrap, "mq.dlq.billing.orders", "order-9:payload-9\n",
              {"-H", "mq-attempt=6", "-H", "mq-original-topic=orders", "-H",
               "mq-last-error=price service said 503"});

  // The dead letter is what mqctl dlq / the portal show; kcat reads it.
  const auto page = admin.showDeadLetters("billing", "orders");
  EXPECT_EQ(page.summary.messages, 1);
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0].value, "payload-9");
  EXPECT_EQ(page.messages[0].headers.at("mq-last-error"), "price service said 503");
  std::string output;
  ASSERT_EQ(cluster.mqctl({"dlq", "list", "--group", "billing"}, &output), 0) << output;
  EXPECT_NE(output.find("mq.dlq.billing.orders"), std::string::npos) << output;
  const auto dead = kcatConsume(bootstrap, "mq.dlq.billing.orders");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0].find("0 0 order-9 payload-9 "), std::string::npos) << dead[0];

  // The retry arrives when due, on partition 2, without the delay header.
  const auto retried = waitForMessages(cluster, "mq.retry.billing.orders", 3, 1);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].partition, 2);
  EXPECT_EQ(retried[0].message.value, "payload-7");
  EXPECT_EQ(
      retried[0].message.headers,
      (std::map<std::string, std::string>{
          {"mq-attempt", "1"}, {"mq-original-partition", "2"}, {"mq-original-topic", "orders"}}));
}

}  // namespace
}  // namespace mq::test
