// The Kafka codec's primitives and message descriptions (broker/kafka/protocol): round trips
// of every primitive, known byte layouts, every supported version of every message, and
// refusals of truncated or impossible input before anything is allocated for it.
#include <gtest/gtest.h>

#include "broker/kafka/protocol/api_keys.h"
#include "broker/kafka/protocol/headers.h"
#include "broker/kafka/protocol/messages/api_versions.h"
#include "broker/kafka/protocol/messages/fetch.h"
#include "broker/kafka/protocol/messages/init_producer_id.h"
#include "broker/kafka/protocol/messages/list_offsets.h"
#include "broker/kafka/protocol/messages/metadata.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/wire.h"

namespace mq::kafka {
namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(KafkaWire, VarintsUseZigZagAndSevenBitGroups) {
  const std::pair<int32_t, std::string> cases[] = {{0, "00"},
                                                   {-1, "01"},
                                                   {1, "02"},
                                                   {-2, "03"},
                                                   {63, "7e"},
                                                   {-64, "7f"},
                                                   {64, "8001"},
                                                   {300, "d804"},
                                                   {INT32_MAX, "feffffff0f"},
                                                   {INT32_MIN, "ffffffff0f"}};
  for (const auto& [value, bytes] : cases) {
    WireWriter out;
    out.varint(value);
    EXPECT_EQ(hex(out.buffer()), bytes) << value;
    EXPECT_EQ(static_cast<int>(bytes.size() / 2), varintSize(value));
    WireReader in(out.buffer());
    EXPECT_EQ(in.varint(), value);
    EXPECT_TRUE(in.done());
  }
}

TEST(KafkaWire, VarlongsAndUnsignedVarintsRoundTrip) {
  for (int64_t value :
       {int64_t{0}, int64_t{-1}, int64_t{1} << 40, -(int64_t{1} << 40), INT64_MAX, INT64_MIN}) {
    WireWriter out;
    out.varlong(value);
    WireReader in(out.buffer());
    EXPECT_EQ(in.varlong(), value);
  }
  for (uint32_t value : {0u, 1u, 127u, 128u, 16384u, 0xffffffffu}) {
    WireWriter out;
    out.uvarint(value);
    EXPECT_EQ(static_cast<int>(out.size()), uvarintSize(value));
    WireReader in(out.buffer());
    EXPECT_EQ(in.uvarint(), value);
  }
}

TEST(KafkaWire, OverlongVarintsAreRefused) {
  // The reader keeps a view of its input: the strings outlive it.
  const std::string five_bytes("\xff\xff\xff\xff\x7f", 5);
  const std::string six_bytes("\xff\xff\xff\xff\xff\x01", 6);
  const std::string eleven_bytes = std::string(10, '\xff') + '\x01';
  WireReader five(five_bytes);
  EXPECT_THROW(five.uvarint(), KafkaDecodeError);  // above 32 bits
  WireReader six(six_bytes);
  EXPECT_THROW(six.varint(), KafkaDecodeError);
  WireReader eleven(eleven_bytes);
  EXPECT_THROW(eleven.varlong(), KafkaDecodeError);
}

TEST(KafkaWire, FixedWidthIntegersAreBigEndian) {
  WireWriter out;
  out.int16(0x0102);
  out.int32(-2);
  out.int64(0x0102030405060708);
  EXPECT_EQ(hex(out.buffer()), "0102fffffffe0102030405060708");
  WireReader in(out.buffer());
  EXPECT_EQ(in.int16(), 0x0102);
  EXPECT_EQ(in.int32(), -2);
  EXPECT_EQ(in.int64(), 0x0102030405060708);
}

TEST(KafkaWire, StringsInClassicAndCompactForms) {
  WireWriter out;
  out.string("ab");
  out.nullableString(std::nullopt);
  out.compactString("ab");
  out.compactNullableString(std::nullopt);
  out.bytes("xyz");
  out.compactNullableBytes(std::string(""));
  EXPECT_EQ(hex(out.buffer()), "00026162ffff036162000000000378797a01");
  WireReader in(out.buffer());
  EXPECT_EQ(in.string(), "ab");
  EXPECT_EQ(in.nullableString(), std::nullopt);
  EXPECT_EQ(in.compactString(), "ab");
  EXPECT_EQ(in.compactNullableString(), std::nullopt);
  EXPECT_EQ(in.bytes(), "xyz");
  EXPECT_EQ(in.compactNullableBytes(), std::string(""));
  EXPECT_TRUE(in.done());
}

TEST(KafkaWire, LengthsBeyondTheInputAreRefusedBeforeAllocating) {
  const std::string string_bytes(
      "\x7f\xff"
      "ab",
      4);  // a hex escape would eat "ab"
  const std::string long_bytes("\x7f\xff\xff\xff", 4);
  const std::string negative_bytes("\xff\xfe", 2);
  const std::string compact_bytes("\xff\xff\xff\xff\x07", 5);
  WireReader string_in(string_bytes);
  EXPECT_THROW(string_in.string(), KafkaDecodeError);
  WireReader bytes_in(long_bytes);
  EXPECT_THROW(bytes_in.bytes(), KafkaDecodeError);
  WireReader negative(negative_bytes);
  EXPECT_THROW(negative.nullableString(), KafkaDecodeError);
  // Two billion array elements claimed by a 4-byte frame.
  WireReader array(long_bytes);
  EXPECT_THROW(array.arrayCount(false, 1), KafkaDecodeError);
  WireReader compact(compact_bytes);
  EXPECT_THROW(compact.arrayCount(true, 1), KafkaDecodeError);
}

TEST(KafkaWire, TaggedFieldsAreSkipped) {
  WireWriter tags;
  tags.uvarint(2);
  tags.uvarint(0);
  tags.uvarint(3);
  tags.raw("abc");
  tags.uvarint(7);
  tags.uvarint(0);
  tags.int8(42);
  WireReader tagged(tags.buffer());
  tagged.skipTaggedFields();
  EXPECT_EQ(tagged.int8(), 42);
  EXPECT_TRUE(tagged.done());
}

TEST(KafkaHeaders, RequestHeaderV1AndV2) {
  RequestHeader header{3, 12, 7, std::string("rdkafka")};
  for (bool flexible : {false, true}) {
    WireWriter out;
    writeRequestHeader(header, flexible, out);
    WireReader in(out.buffer());
    RequestHeader read = readHeaderStart(in);
    readHeaderRest(in, flexible, read);
    EXPECT_TRUE(in.done());
    EXPECT_EQ(read.api_key, 3);
    EXPECT_EQ(read.api_version, 12);
    EXPECT_EQ(read.correlation_id, 7);
    EXPECT_EQ(read.client_id, "rdkafka");
  }
  EXPECT_TRUE(usesFlexibleHeader(3, 9));
  EXPECT_FALSE(usesFlexibleHeader(3, 8));
  EXPECT_FALSE(usesFlexibleHeader(999, 100));
}

// What librdkafka 2.0.2 sends first, captured from kcat 1.7.1's socket: ApiVersions v3,
// header v2, client software name and version as compact strings.
TEST(KafkaMessages, DecodesLibrdkafkasApiVersionsRequest) {
  const std::string frame(
      "\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rdkafka\x00"
      "\x0blibrdkafka\x06"
      "2.0.2\x00",
      36);
  WireReader in(frame);
  RequestHeader header = readHeaderStart(in);
  ASSERT_EQ(header.api_key, 18);
  ASSERT_EQ(header.api_version, 3);
  readHeaderRest(in, usesFlexibleHeader(header.api_key, header.api_version), header);
  EXPECT_EQ(header.client_id, "rdkafka");
  auto request = decodeMessage<ApiVersionsRequest>(frame.substr(in.position()), 3);
  EXPECT_EQ(request.client_software_name, "librdkafka");
  EXPECT_EQ(request.client_software_version, "2.0.2");
}

TEST(KafkaMessages, ApiVersionsResponseV0HasNoThrottleTime) {
  ApiVersionsResponse response;
  response.api_keys.push_back({18, 0, 3});
  EXPECT_EQ(hex(encodeMessage(response, 0)),
            "0000"
            "00000001"
            "001200000003");
  EXPECT_EQ(hex(encodeMessage(response, 3)),
            "0000"
            "02"
            "001200000003"
            "00"
            "00000000"
            "00");
}

MetadataResponse sampleMetadata() {
  MetadataResponse m;
  m.brokers.push_back({7, "127.0.0.1", 9092, std::nullopt});
  m.cluster_id = "mq";
  m.controller_id = 7;
  MetadataResponse::Topic topic;
  topic.name = "orders";
  for (int p = 0; p < 3; ++p) {
    MetadataResponse::Partition partition;
    partition.partition_index = p;
    partition.leader_id = 7;
    partition.leader_epoch = 0;
    partition.replica_nodes = {7};
    partition.isr_nodes = {7};
    topic.partitions.push_back(partition);
  }
  m.topics.push_back(topic);
  return m;
}

TEST(KafkaMessages, MetadataRoundTripsInEveryVersion) {
  for (int16_t v = MetadataRequest::kMinVersion; v <= MetadataRequest::kMaxVersion; ++v) {
    MetadataRequest request;
    request.topics.push_back({std::string(16, '\0'), std::string("orders")});
    request.allow_auto_topic_creation = false;
    auto decoded = decodeMessage<MetadataRequest>(encodeMessage(request, v), v);
    ASSERT_EQ(decoded.topics.size(), 1u) << v;
    EXPECT_EQ(decoded.topics[0].name, "orders");
    EXPECT_FALSE(decoded.all_topics);
    EXPECT_EQ(decoded.allow_auto_topic_creation, v < 4) << v;  // absent before v4: default

    auto response = decodeMessage<MetadataResponse>(encodeMessage(sampleMetadata(), v), v);
    ASSERT_EQ(response.brokers.size(), 1u);
    EXPECT_EQ(response.brokers[0].host, "127.0.0.1");
    EXPECT_EQ(response.brokers[0].port, 9092);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].partitions.size(), 3u);
    EXPECT_EQ(response.topics[0].partitions[2].leader_id, 7);
    EXPECT_EQ(response.topics[0].partitions[2].isr_nodes, std::vector<int32_t>{7});
    EXPECT_EQ(response.controller_id, v >= 1 ? 7 : -1);
    EXPECT_EQ(response.cluster_id, v >= 2 ? std::optional<std::string>("mq") : std::nullopt);
  }
}

TEST(KafkaMessages, MetadataNullTopicsMeansAll) {
  MetadataRequest request;
  request.all_topics = true;
  for (int16_t v : {1, 4, 9, 12}) {
    auto decoded = decodeMessage<MetadataRequest>(encodeMessage(request, v), v);
    EXPECT_TRUE(decoded.all_topics) << v;
  }
}

TEST(KafkaMessages, ProduceRoundTripsInEveryVersion) {
  for (int16_t v = ProduceRequest::kMinVersion; v <= ProduceRequest::kMaxVersion; ++v) {
    ProduceRequest request;
    request.acks = -1;
    request.timeout_ms = 30000;
    request.topics.push_back({"orders", {{2, std::string("batch-bytes")}}});
    auto decoded = decodeMessage<ProduceRequest>(encodeMessage(request, v), v);
    EXPECT_EQ(decoded.transactional_id, std::nullopt);
    EXPECT_EQ(decoded.acks, -1);
    EXPECT_EQ(decoded.timeout_ms, 30000);
    ASSERT_EQ(decoded.topics.size(), 1u);
    EXPECT_EQ(decoded.topics[0].partitions[0].index, 2);
    EXPECT_EQ(decoded.topics[0].partitions[0].records, "batch-bytes");

    ProduceResponse response;
    ProduceResponse::Partition partition;
    partition.index = 2;
    partition.error_code = 45;
    partition.base_offset = 99;
    partition.error_message = "gap";
    response.responses.push_back({"orders", {partition}});
    response.throttle_time_ms = 5;
    auto back = decodeMessage<ProduceResponse>(encodeMessage(response, v), v);
    EXPECT_EQ(back.responses[0].partitions[0].base_offset, 99);
    EXPECT_EQ(back.responses[0].partitions[0].error_code, 45);
    EXPECT_EQ(back.responses[0].partitions[0].error_message,
              v >= 8 ? std::optional<std::string>("gap") : std::nullopt);
    EXPECT_EQ(back.throttle_time_ms, 5);
  }
}

TEST(KafkaMessages, FetchRoundTripsInEveryVersion) {
  for (int16_t v = FetchRequest::kMinVersion; v <= FetchRequest::kMaxVersion; ++v) {
    FetchRequest request;
    request.max_wait_ms = 500;
    request.min_bytes = 1;
    request.max_bytes = 1 << 20;
    request.session_epoch = -1;
    FetchRequest::Partition partition;
    partition.partition = 1;
    partition.fetch_offset = 1234;
    partition.partition_max_bytes = 65536;
    request.topics.push_back({"orders", {partition}});
    request.rack_id = "r1";
    auto decoded = decodeMessage<FetchRequest>(encodeMessage(request, v), v);
    EXPECT_EQ(decoded.max_wait_ms, 500);
    EXPECT_EQ(decoded.max_bytes, 1 << 20);
    EXPECT_EQ(decoded.topics[0].partitions[0].fetch_offset, 1234);
    EXPECT_EQ(decoded.topics[0].partitions[0].partition_max_bytes, 65536);
    EXPECT_EQ(decoded.rack_id, v >= 11 ? "r1" : "");

    FetchResponse response;
    FetchResponse::Partition result;
    result.partition_index = 1;
    result.high_watermark = 2000;
    result.last_stable_offset = 2000;
    result.log_start_offset = 0;
    result.records = std::string("records");
    response.responses.push_back({"orders", {result}});
    auto back = decodeMessage<FetchResponse>(encodeMessage(response, v), v);
    EXPECT_EQ(back.responses[0].partitions[0].high_watermark, 2000);
    EXPECT_EQ(back.responses[0].partitions[0].records, "records");
    EXPECT_TRUE(back.responses[0].partitions[0].aborted_null);
  }
}

TEST(KafkaMessages, ListOffsetsAndInitProducerIdRoundTrip) {
  for (int16_t v = ListOffsetsRequest::kMinVersion; v <= ListOffsetsRequest::kMaxVersion; ++v) {
    ListOffsetsRequest request;
    request.topics.push_back({"orders", {{0, -1, kEarliestTimestamp}}});
    auto decoded = decodeMessage<ListOffsetsRequest>(encodeMessage(request, v), v);
    EXPECT_EQ(decoded.topics[0].partitions[0].timestamp, kEarliestTimestamp);
    ListOffsetsResponse response;
    response.topics.push_back({"orders", {{0, 0, -1, 42, -1}}});
    auto back = decodeMessage<ListOffsetsResponse>(encodeMessage(response, v), v);
    EXPECT_EQ(back.topics[0].partitions[0].offset, 42);
  }
  for (int16_t v = 0; v <= InitProducerIdRequest::kMaxVersion; ++v) {
    InitProducerIdRequest request;
    request.transaction_timeout_ms = 60000;
    auto decoded = decodeMessage<InitProducerIdRequest>(encodeMessage(request, v), v);
    EXPECT_EQ(decoded.transactional_id, std::nullopt);
    EXPECT_EQ(decoded.transaction_timeout_ms, 60000);
    InitProducerIdResponse response;
    response.producer_id = 17;
    response.producer_epoch = 3;
    auto back = decodeMessage<InitProducerIdResponse>(encodeMessage(response, v), v);
    EXPECT_EQ(back.producer_id, 17);
    EXPECT_EQ(back.producer_epoch, 3);
  }
}

TEST(KafkaMessages, TruncatedOrOverlongBodiesAreRefused) {
  ProduceRequest request;
  request.topics.push_back({"orders", {{0, std::string(100, 'x')}}});
  const std::string body = encodeMessage(request, 7);
  for (size_t cut = 0; cut < body.size(); ++cut) {
    EXPECT_THROW(decodeMessage<ProduceRequest>(body.substr(0, cut), 7), KafkaDecodeError) << cut;
  }
  EXPECT_THROW(decodeMessage<ProduceRequest>(body + "x", 7), KafkaDecodeError);
}

TEST(KafkaApis, EveryApiHasAConsistentVersionRange) {
  for (const auto& api : supportedApis()) {
    EXPECT_LE(api.min_version, api.max_version) << api.name;
    EXPECT_TRUE(findApi(static_cast<int16_t>(api.key)).has_value());
  }
  for (int16_t admin : {19, 20, 32, 37, 60}) {  // CreateTopics .. DescribeCluster
    EXPECT_TRUE(findApi(admin).has_value()) << admin;
  }
  EXPECT_FALSE(findApi(26).has_value());  // EndTxn: transactions are not spoken
}

}  // namespace
}  // namespace mq::kafka
