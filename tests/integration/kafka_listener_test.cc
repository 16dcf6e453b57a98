// The broker's Kafka listener with raw frames (tests/harness/kafka_wire_client.h) for what an
// unmodified client cannot be made to send: every answer in request order under pipelining,
// pipelined Produce requests served as one round in order (and none stored behind a
// malformed one),
// UNSUPPORTED_VERSION for an unknown API or version (the connection stays open), oversize and
// malformed frames closing only their connection (counted), acks=0, and the idempotent
// producer's sequence errors as Kafka clients expect them.
#include <gtest/gtest.h>

#include "broker/kafka/protocol/messages/api_versions.h"
#include "broker/kafka/protocol/messages/fetch.h"
#include "broker/kafka/protocol/messages/init_producer_id.h"
#include "broker/kafka/protocol/messages/list_offsets.h"
#include "broker/kafka/protocol/messages/metadata.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/record_batch.h"
#include "tests/harness/kafka_wire_client.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

using namespace mq::kafka;

ClusterOptions withKafka() {
  ClusterOptions options;
  options.kafka = true;
  return options;
}

std::string batchOf(int count, int64_t producer_id = -1, int16_t epoch = -1,
                    int32_t sequence = -1) {
  RecordBatch batch;
  batch.producer_id = producer_id;
  batch.producer_epoch = epoch;
  batch.base_sequence = sequence;
  for (int i = 0; i < count; ++i) {
    batch.records.push_back(
        {i, 1700000000000 + i, std::string("k"), std::string("v") + std::to_string(i), {}});
  }
  WireWriter out;
  encodeRecordBatch(batch, Compression::kNone, out);
  return out.buffer();
}

ProduceResponse::Partition produce(KafkaWireClient& client, const std::string& records,
                                   int16_t version = 7) {
  ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 10000;
  request.topics.push_back({"wire", {{0, records}}});
  auto response = client.call<ProduceResponse>(0, version, request, version >= 9);
  return response.responses.at(0).partitions.at(0);
}

TEST(KafkaListener, PipelinedRequestsAreAnsweredInOrder) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  KafkaWireClient client(cluster.kafkaPort(0));
  MetadataRequest metadata;
  metadata.all_topics = true;
  // Three requests before reading anything: Metadata, ApiVersions, Metadata (flexible).
  client.send(3, 1, 1, encodeMessage(metadata, 1));
  client.send(18, 0, 2, encodeMessage(ApiVersionsRequest{}, 0));
  client.send(3, 12, 3, encodeMessage(metadata, 12), true);
  for (int32_t id : {1, 2, 3}) {
    auto response = client.receive();
    ASSERT_TRUE(response) << id;
    EXPECT_EQ(response->correlation_id, id);
  }
}

// Three Produce requests for one partition arrive in one segment: the door serves them as one
// round, their batches stored in request order and their answers in that order.
TEST(KafkaListener, PipelinedProducesAreOneRoundInRequestOrder) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  const int metrics = cluster.brokerMetricsPort(0);
  KafkaWireClient client(cluster.kafkaPort(0));
  std::string frames;
  const int counts[] = {3, 2, 4};
  for (int32_t id = 1; id <= 3; ++id) {
    ProduceRequest request;
    request.acks = -1;
    request.timeout_ms = 10000;
    request.topics.push_back({"wire", {{0, batchOf(counts[id - 1])}}});
    frames += KafkaWireClient::frame(0, 7, id, encodeMessage(request, 7));
  }
  client.sendRaw(frames);
  int64_t expected_base = 0;
  for (int32_t id = 1; id <= 3; ++id) {
    auto response = client.receive();
    ASSERT_TRUE(response) << id;
    ASSERT_EQ(response->correlation_id, id);
    auto decoded = decodeMessage<ProduceResponse>(response->body, 7);
    const auto& partition = decoded.responses.at(0).partitions.at(0);
    EXPECT_EQ(partition.error_code, 0) << id;
    EXPECT_EQ(partition.base_offset, expected_base) << id;
    expected_base += counts[id - 1];
  }
  EXPECT_EQ(metricSum(metrics, "mq_broker_kafka_produce_round_requests_count"), 1);
  EXPECT_EQ(metricSum(metrics, "mq_broker_kafka_produce_round_requests_sum"), 3);

  // A malformed request in the middle of a round: the one before it is stored and answered,
  // nothing behind it is stored, and the connection is closed.
  KafkaWireClient second(cluster.kafkaPort(0));
  ProduceRequest one;
  one.acks = -1;
  one.timeout_ms = 10000;
  one.topics.push_back({"wire", {{0, batchOf(1)}}});
  const std::string bad_body("\x00\x00\xff\xff\x00\x00\x27\x10\x7f\xff\xff\xff", 12);
  second.sendRaw(KafkaWireClient::frame(0, 7, 10, encodeMessage(one, 7)) +
                 KafkaWireClient::frame(0, 7, 11, bad_body) +
                 KafkaWireClient::frame(0, 7, 12, encodeMessage(one, 7)));
  auto answered = second.receive();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->correlation_id, 10);
  EXPECT_TRUE(second.closedByPeer());
  ListOffsetsRequest offsets;
  offsets.topics.push_back({"wire", {{0, -1, kLatestTimestamp}}});
  auto latest = client.call<ListOffsetsResponse>(2, 5, offsets, false);
  EXPECT_EQ(latest.topics.at(0).partitions.at(0).offset, 3 + 2 + 4 + 1);
}

TEST(KafkaListener, ApiVersionsListsEverySupportedApi) {
  TestCluster cluster(withKafka());
  KafkaWireClient client(cluster.kafkaPort(0));
  for (int16_t version : {0, 1, 2, 3}) {
    ApiVersionsRequest request;
    request.client_software_name = "wire-test";
    request.client_software_version = "1";
    // ApiVersions answers with response header v0 even in its flexible version 3.
    client.send(18, version, 7, encodeMessage(request, version), version >= 3);
    auto raw = client.receive();
    ASSERT_TRUE(raw);
    auto response = decodeMessage<ApiVersionsResponse>(raw->body, version);
    EXPECT_EQ(response.error_code, 0);
    std::map<int16_t, std::pair<int16_t, int16_t>> apis;
    for (const auto& api : response.api_keys)
      apis[api.api_key] = {api.min_version, api.max_version};
    // Produce is listed from v0 (librdkafka's compression needs it), served from v3.
    EXPECT_EQ(apis.at(0), (std::pair<int16_t, int16_t>(0, 9)));   // Produce
    EXPECT_EQ(apis.at(1), (std::pair<int16_t, int16_t>(4, 12)));  // Fetch
    EXPECT_EQ(apis.at(3), (std::pair<int16_t, int16_t>(0, 12)));  // Metadata
    EXPECT_EQ(apis.at(18), (std::pair<int16_t, int16_t>(0, 3)));  // ApiVersions
  }
}

TEST(KafkaListener, UnsupportedApiOrVersionIsAnsweredAndTheConnectionStaysOpen) {
  TestCluster cluster(withKafka());
  KafkaWireClient client(cluster.kafkaPort(0));
  client.send(57, 0, 41, "whatever body");     // an API the broker does not speak
  client.send(0, 2, 42, "a Produce v2 body");  // a version below the range
  client.send(18, 99, 43, "");                 // ApiVersions from the future
  client.send(0, 0, 44, "a Produce v0 body");  // listed (for librdkafka), not served
  for (int32_t id : {41, 42, 43, 44}) {
    auto raw = client.receive();
    ASSERT_TRUE(raw) << id;
    EXPECT_EQ(raw->correlation_id, id);
    auto response = decodeMessage<ApiVersionsResponse>(raw->body, 0);
    EXPECT_EQ(response.error_code, 35) << id;  // UNSUPPORTED_VERSION
    EXPECT_FALSE(response.api_keys.empty());
  }
  // Still open: a supported request is answered.
  auto versions = client.call<ApiVersionsResponse>(18, 0, ApiVersionsRequest{}, false);
  EXPECT_EQ(versions.error_code, 0);
  EXPECT_EQ(metricSum(cluster.brokerMetricsPort(0), "mq_broker_kafka_malformed_requests_total"), 0);
}

TEST(KafkaListener, OversizeAndMalformedFramesCloseOnlyTheirConnectionAndAreCounted) {
  TestCluster cluster(withKafka());
  const int metrics = cluster.brokerMetricsPort(0);
  KafkaWireClient bystander(cluster.kafkaPort(0));
  {
    // Declares 1 GiB: refused by the size alone, nothing more is sent.
    KafkaWireClient client(cluster.kafkaPort(0));
    client.sendRaw(std::string("\x40\x00\x00\x00", 4));
    EXPECT_TRUE(client.closedByPeer());
  }
  EXPECT_TRUE(waitForMetricSum(metrics, "mq_broker_kafka_malformed_requests_total", 1));
  EXPECT_EQ(metricSum(metrics, "mq_broker_kafka_malformed_requests_total", {"reason=\"oversize\""}),
            1);
  {
    // A Metadata v1 request whose topic array claims two billion topics.
    KafkaWireClient client(cluster.kafkaPort(0));
    client.send(3, 1, 5, std::string("\x7f\xff\xff\xff", 4));
    EXPECT_TRUE(client.closedByPeer());
  }
  {
    // Fewer bytes than a request header.
    KafkaWireClient client(cluster.kafkaPort(0));
    client.sendRaw(std::string("\x00\x00\x00\x03\x00\x03\x00", 7));
    EXPECT_TRUE(client.closedByPeer());
  }
  EXPECT_TRUE(waitForMetricSum(metrics, "mq_broker_kafka_malformed_requests_total", 3));
  // The other connection and the broker are unaffected.
  auto versions = bystander.call<ApiVersionsResponse>(18, 1, ApiVersionsRequest{}, false);
  EXPECT_EQ(versions.error_code, 0);
}

TEST(KafkaListener, AcksZeroGetsNoResponseAndIsStored) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  KafkaWireClient client(cluster.kafkaPort(0));
  ProduceRequest request;
  request.acks = 0;
  request.topics.push_back({"wire", {{0, batchOf(3)}}});
  client.send(0, 7, 50, encodeMessage(request, 7));
  // The next answer is the next request's: nothing was sent for acks=0.
  ListOffsetsRequest offsets;
  offsets.topics.push_back({"wire", {{0, -1, kLatestTimestamp}}});
  auto latest = client.call<ListOffsetsResponse>(2, 5, offsets, false);
  EXPECT_EQ(latest.topics.at(0).partitions.at(0).offset, 3);
}

TEST(KafkaListener, IdempotentSequencesMapOntoKafkasErrors) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  KafkaWireClient client(cluster.kafkaPort(0));
  InitProducerIdRequest init;
  init.transaction_timeout_ms = 60000;
  auto issued = client.call<InitProducerIdResponse>(22, 4, init, true);
  ASSERT_EQ(issued.error_code, 0);
  const int64_t id = issued.producer_id;
  const int16_t epoch = issued.producer_epoch;

  auto first = produce(client, batchOf(5, id, epoch, 0));
  ASSERT_EQ(first.error_code, 0);
  EXPECT_EQ(first.base_offset, 0);
  // The same batch again (a retry): its original offset, nothing stored twice.
  auto retry = produce(client, batchOf(5, id, epoch, 0));
  EXPECT_EQ(retry.error_code, 0);
  EXPECT_EQ(retry.base_offset, 0);
  auto second = produce(client, batchOf(5, id, epoch, 5), 9);
  ASSERT_EQ(second.error_code, 0);
  EXPECT_EQ(second.base_offset, 5);
  // A retry of an older batch among the last five: its original offset too, as in Kafka.
  auto older = produce(client, batchOf(5, id, epoch, 0));
  EXPECT_EQ(older.error_code, 0);
  EXPECT_EQ(older.base_offset, 0);
  // Four more batches of one: the first batch is no longer among the five retained, so its
  // retry is DUPLICATE_SEQUENCE_NUMBER (46), which clients take as written without an offset.
  for (int sequence = 10; sequence < 14; ++sequence) {
    ASSERT_EQ(produce(client, batchOf(1, id, epoch, sequence)).error_code, 0);
  }
  EXPECT_EQ(produce(client, batchOf(5, id, epoch, 0)).error_code, 46);
  // A gap: OUT_OF_ORDER_SEQUENCE_NUMBER (45), with the reason in the message (v8+).
  auto gap = produce(client, batchOf(5, id, epoch, 20), 8);
  EXPECT_EQ(gap.error_code, 45);
  ASSERT_TRUE(gap.error_message);
  EXPECT_NE(gap.error_message->find("expected sequence 14"), std::string::npos);
  // A transactional id is refused clearly.
  init.transactional_id = "tx-1";
  EXPECT_EQ(client.call<InitProducerIdResponse>(22, 4, init, true).error_code, 53);

  ListOffsetsRequest offsets;
  offsets.topics.push_back({"wire", {{0, -1, kLatestTimestamp}}});
  EXPECT_EQ(client.call<ListOffsetsResponse>(2, 5, offsets, false).topics[0].partitions[0].offset,
            14);
}

TEST(KafkaListener, DamagedBatchIsRefusedAsCorruptAndNothingIsStored) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  KafkaWireClient client(cluster.kafkaPort(0));
  std::string records = batchOf(4);
  records[records.size() - 2] ^= 0x01;  // a value byte: the CRC-32C no longer matches
  auto refused = produce(client, records, 8);
  EXPECT_EQ(refused.error_code, 2);  // CORRUPT_MESSAGE
  ASSERT_TRUE(refused.error_message);
  EXPECT_NE(refused.error_message->find("CRC-32C"), std::string::npos);
  ListOffsetsRequest offsets;
  offsets.topics.push_back({"wire", {{0, -1, kLatestTimestamp}}});
  EXPECT_EQ(client.call<ListOffsetsResponse>(2, 1, offsets, false).topics[0].partitions[0].offset,
            0);
}

// mq stores headers as a map of byte strings: the last of duplicate names wins, a null value
// becomes empty, names need not be UTF-8; they come back sorted by name.
TEST(KafkaListener, HeadersAreAMapWhereTheLastDuplicateWins) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  KafkaWireClient client(cluster.kafkaPort(0));
  RecordBatch batch;
  Record record{0, 1700000000123, std::nullopt, std::string("payload"), {}};
  record.headers = {{"b", std::string("first")},
                    {"a", std::nullopt},
                    {"b", std::string("second")},
                    {std::string("\xff\xfe"), std::string("bytes")}};
  batch.records.push_back(record);
  WireWriter out;
  encodeRecordBatch(batch, Compression::kGzip, out);
  ASSERT_EQ(produce(client, out.buffer()).error_code, 0);

  FetchRequest fetch;
  fetch.max_wait_ms = 100;
  fetch.min_bytes = 1;
  FetchRequest::Partition wanted;
  wanted.partition = 0;
  wanted.fetch_offset = 0;
  wanted.partition_max_bytes = 1 << 20;
  fetch.topics.push_back({"wire", {wanted}});
  auto response = client.call<FetchResponse>(1, 11, fetch, false);
  const auto& partition = response.responses.at(0).partitions.at(0);
  ASSERT_EQ(partition.error_code, 0);
  EXPECT_EQ(partition.high_watermark, 1);
  auto batches = decodeRecordBatches(*partition.records);
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].records.size(), 1u);
  const Record& read = batches[0].records[0];
  EXPECT_EQ(read.key, std::nullopt);
  EXPECT_EQ(read.value, "payload");
  EXPECT_EQ(read.timestamp, 1700000000123);
  ASSERT_EQ(read.headers.size(), 3u);
  EXPECT_EQ(read.headers[0].key, "a");
  EXPECT_EQ(read.headers[0].value, "");
  EXPECT_EQ(read.headers[1].key, "b");
  EXPECT_EQ(read.headers[1].value, "second");
  EXPECT_EQ(read.headers[2].key, "\xff\xfe");
  EXPECT_EQ(read.headers[2].value, "bytes");
}

TEST(KafkaListener, FetchHonoursMaxBytesButAlwaysReturnsTheFirstMessage) {
  TestCluster cluster(withKafka());
  cluster.createTopic("wire", 1);
  KafkaWireClient client(cluster.kafkaPort(0));
  ASSERT_EQ(produce(client, batchOf(100)).error_code, 0);
  FetchRequest fetch;
  fetch.max_wait_ms = 0;
  fetch.max_bytes = 1;  // smaller than any message
  FetchRequest::Partition wanted;
  wanted.partition_max_bytes = 1 << 20;
  fetch.topics.push_back({"wire", {wanted}});
  auto tiny = client.call<FetchResponse>(1, 12, fetch, true);
  auto records = decodeRecordBatches(*tiny.responses.at(0).partitions.at(0).records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].records.size(), 1u);
  fetch.max_bytes = 1 << 20;
  auto all = client.call<FetchResponse>(1, 12, fetch, true);
  records = decodeRecordBatches(*all.responses.at(0).partitions.at(0).records);
  EXPECT_EQ(records.at(0).records.size(), 100u);
  // min_bytes above what is there: waits max_wait_ms, then answers with what there is.
  fetch.min_bytes = 1 << 20;
  fetch.max_wait_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  auto waited = client.call<FetchResponse>(1, 12, fetch, true);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(290));
  EXPECT_EQ(decodeRecordBatches(*waited.responses[0].partitions[0].records)[0].records.size(),
            100u);
}

TEST(KafkaListener, UnknownTopicIsReportedAndNotCreated) {
  TestCluster cluster(withKafka());
  KafkaWireClient client(cluster.kafkaPort(0));
  MetadataRequest request;
  request.topics.push_back({std::string(16, '\0'), std::string("nope")});
  request.allow_auto_topic_creation = true;  // asked for, not done
  auto response = client.call<MetadataResponse>(3, 9, request, true);
  ASSERT_EQ(response.topics.size(), 1u);
  EXPECT_EQ(response.topics[0].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION
  ASSERT_EQ(response.brokers.size(), 1u);
  EXPECT_EQ(response.brokers[0].port, cluster.kafkaPort(0));
  request.all_topics = true;
  EXPECT_TRUE(client.call<MetadataResponse>(3, 9, request, true).topics.empty());
}

}  // namespace
}  // namespace mq::test
