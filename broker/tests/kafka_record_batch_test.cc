// RecordBatch v2, CRC-32C and the compression codecs of the Kafka door
// (broker/kafka/protocol): known CRC vectors, round trips through every codec with keys,
// null values, headers and timestamps, CRC and framing damage refused, and decompression
// bombs stopped at the bound.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "broker/kafka/protocol/compression.h"
#include "broker/kafka/protocol/crc32c.h"
#include "broker/kafka/protocol/headers.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/record_batch.h"

namespace mq::kafka {
namespace {

constexpr Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                   Compression::kLz4, Compression::kZstd};

TEST(KafkaCrc32c, KnownVectors) {
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  std::string descending;
  for (int i = 31; i >= 0; --i) descending.push_back(static_cast<char>(i));
  // Both the function the broker calls and the tables it falls back to.
  for (auto* crc : {&crc32c, &crc32cPortable}) {
    // RFC 3720 (iSCSI) B.4 and the classic check value.
    EXPECT_EQ(crc("123456789", 0), 0xE3069283u);
    EXPECT_EQ(crc(std::string(32, '\0'), 0), 0x8A9136AAu);
    EXPECT_EQ(crc(std::string(32, '\xff'), 0), 0x62A8AB43u);
    EXPECT_EQ(crc(ascending, 0), 0x46DD794Eu);
    EXPECT_EQ(crc(descending, 0), 0x113FDB5Cu);
    EXPECT_EQ(crc("", 0), 0u);
  }
}

TEST(KafkaCrc32c, InstructionAgreesWithTablesAtEveryLengthAndAlignment) {
  if (!crc32cInHardware()) GTEST_SKIP() << "this CPU has no CRC32 instruction: one path only";
  std::mt19937 random(23);
  std::string data(300, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  for (size_t from = 0; from < 8; ++from) {
    for (size_t length = 0; from + length <= data.size(); ++length) {
      const std::string_view piece(data.data() + from, length);
      ASSERT_EQ(crc32c(piece), crc32cPortable(piece)) << "from " << from << " length " << length;
      ASSERT_EQ(crc32c(piece, 0x9E3779B9u), crc32cPortable(piece, 0x9E3779B9u))
          << "continued, from " << from << " length " << length;
    }
  }
}

TEST(KafkaCrc32c, ContinuesAcrossPieces) {
  const std::string data = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    EXPECT_EQ(crc32c(data.substr(cut), crc32c(data.substr(0, cut))), crc32c(data)) << cut;
  }
}

RecordBatch sampleBatch() {
  RecordBatch batch;
  batch.base_offset = 0;
  batch.producer_id = 1000;
  batch.producer_epoch = 2;
  batch.base_sequence = 40;
  for (int i = 0; i < 50; ++i) {
    Record record;
    record.offset_delta = i;
    record.timestamp = 1700000000000 + i * 3;
    if (i % 5 != 0) record.key = "key-" + std::to_string(i % 7);
    record.value =
        i % 11 == 10 ? std::nullopt : std::optional<std::string>(std::string(i * 7, 'v'));
    record.headers.push_back({"trace", std::string("t-") + std::to_string(i)});
    if (i % 3 == 0) record.headers.push_back({"empty", std::nullopt});
    batch.records.push_back(record);
  }
  return batch;
}

TEST(KafkaRecordBatch, RoundTripsThroughEveryCodec) {
  const RecordBatch original = sampleBatch();
  for (Compression codec : kCodecs) {
    WireWriter out;
    encodeRecordBatch(original, codec, out);
    auto batches = decodeRecordBatches(out.buffer());
    ASSERT_EQ(batches.size(), 1u) << compressionName(codec);
    const RecordBatch& batch = batches[0];
    EXPECT_EQ(batch.compression(), codec);
    EXPECT_EQ(batch.producer_id, 1000);
    EXPECT_EQ(batch.producer_epoch, 2);
    EXPECT_EQ(batch.base_sequence, 40);
    EXPECT_EQ(batch.last_offset_delta, 49);
    EXPECT_EQ(batch.base_timestamp, 1700000000000);
    EXPECT_EQ(batch.max_timestamp, 1700000000000 + 49 * 3);
    ASSERT_EQ(batch.records.size(), original.records.size());
    for (size_t i = 0; i < batch.records.size(); ++i) {
      const Record& a = original.records[i];
      const Record& b = batch.records[i];
      EXPECT_EQ(a.offset_delta, b.offset_delta);
      EXPECT_EQ(a.timestamp, b.timestamp);
      EXPECT_EQ(a.key, b.key);
      EXPECT_EQ(a.value, b.value);
      ASSERT_EQ(a.headers.size(), b.headers.size());
      for (size_t h = 0; h < a.headers.size(); ++h) {
        EXPECT_EQ(a.headers[h].key, b.headers[h].key);
        EXPECT_EQ(a.headers[h].value, b.headers[h].value);
      }
    }
  }
}

// A fetch answer writes records by reference (RecordView) from the bytes the broker holds:
// they decode to what they refer to, null keys and values and headers included.
TEST(KafkaRecordBatch, RecordsWrittenByReferenceDecodeToWhatTheyReferTo) {
  const std::string key = "order-17", value(3000, 'v'), trace = "t-9";
  std::vector<RecordView> views(3);
  views[0] = {0, 1700000000000, key, value, {{"trace", trace}, {"empty", std::nullopt}}};
  views[1] = {1, 1700000000005, std::nullopt, std::string_view(), {}};  // null key, empty value
  views[2] = {2, 1699999999990, std::string_view(), std::nullopt, {}};  // empty key, null value
  RecordBatch fields;
  fields.base_offset = 500;
  for (Compression codec : {Compression::kNone, Compression::kZstd}) {
    WireWriter out;
    encodeRecordBatch(fields, views, codec, out);
    auto batches = decodeRecordBatches(out.buffer());
    ASSERT_EQ(batches.size(), 1u);
    const RecordBatch& batch = batches[0];
    EXPECT_EQ(batch.base_offset, 500);
    EXPECT_EQ(batch.last_offset_delta, 2);
    EXPECT_EQ(batch.max_timestamp, 1700000000005);
    ASSERT_EQ(batch.records.size(), 3u);
    EXPECT_EQ(batch.records[0].key, key);
    EXPECT_EQ(batch.records[0].value, value);
    ASSERT_EQ(batch.records[0].headers.size(), 2u);
    EXPECT_EQ(batch.records[0].headers[0].key, "trace");
    EXPECT_EQ(batch.records[0].headers[0].value, trace);
    EXPECT_EQ(batch.records[0].headers[1].value, std::nullopt);
    EXPECT_EQ(batch.records[1].key, std::nullopt);
    EXPECT_EQ(batch.records[1].value, std::string());
    EXPECT_EQ(batch.records[2].key, std::string());
    EXPECT_EQ(batch.records[2].value, std::nullopt);
    EXPECT_EQ(batch.records[2].timestamp, 1699999999990);
    EXPECT_EQ(batch.records[2].offset_delta, 2);
  }
}

TEST(KafkaRecordBatch, SeveralBatchesInOneRecordsField) {
  WireWriter out;
  RecordBatch first = sampleBatch();
  encodeRecordBatch(first, Compression::kNone, out);
  RecordBatch second = sampleBatch();
  second.base_offset = 50;
  encodeRecordBatch(second, Compression::kZstd, out);
  auto batches = decodeRecordBatches(out.buffer());
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1].base_offset, 50);
}

TEST(KafkaRecordBatch, AnyFlippedBitFailsTheCrcOrTheFraming) {
  WireWriter out;
  encodeRecordBatch(sampleBatch(), Compression::kLz4, out);
  const std::string good = out.buffer();
  // Every byte the CRC covers (attributes on), one bit flipped at a time.
  for (size_t i = 21; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] ^= 0x10;
    EXPECT_THROW(decodeRecordBatches(bad), KafkaDecodeError) << i;
  }
}

TEST(KafkaRecordBatch, TruncatedBatchesAndOtherMagicsAreRefused) {
  WireWriter out;
  encodeRecordBatch(sampleBatch(), Compression::kNone, out);
  const std::string good = out.buffer();
  for (size_t cut : {size_t{1}, size_t{11}, size_t{40}, good.size() - 1}) {
    EXPECT_THROW(decodeRecordBatches(good.substr(0, cut)), KafkaDecodeError) << cut;
  }
  std::string magic1 = good;
  magic1[16] = 1;
  EXPECT_THROW(decodeRecordBatches(magic1), KafkaDecodeError);
}

// A record count the bytes cannot hold is refused before any record is allocated.
TEST(KafkaRecordBatch, ImpossibleRecordCountIsRefused) {
  RecordBatch batch;
  batch.records.push_back({0, 1, std::nullopt, std::string("v"), {}});
  WireWriter out;
  encodeRecordBatch(batch, Compression::kNone, out);
  std::string bad = out.buffer();
  bad[57] = 0x7f;  // recordCount's high byte: two billion records
  // Restore a valid CRC so the count itself is what is refused.
  const uint32_t crc = crc32c(std::string_view(bad).substr(21));
  bad[17] = static_cast<char>(crc >> 24);
  bad[18] = static_cast<char>(crc >> 16);
  bad[19] = static_cast<char>(crc >> 8);
  bad[20] = static_cast<char>(crc);
  EXPECT_THROW(decodeRecordBatches(bad), KafkaDecodeError);
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A whole Produce v7 request frame (without its size) as kcat 1.7.1 / librdkafka 2.0.2 sent
// it, captured from the socket: 20 keyed records with a header, zstd-compressed, CRC-32C
// computed by librdkafka.
TEST(KafkaRecordBatch, DecodesABatchCapturedFromKcat) {
  const std::string frame = unhex(
      "0000000700000004000772646b61666b61ffffffff00007530000000010003636170000000010000"
      "00000000010d0000000000000000000001010000000002f0795265000400000013000001a2090e31"
      "fe000001a2090e31feffffffffffffffffffffffffffff0000001428b52ffd00583d060092871b1e"
      "40ad732314a50920db5b14b735e0705d6b1bf1dd1c4a5a79c5ae41379702db18d582524c4c4a4408"
      "e8f018feca6e0b7f6547f8ebb2e3c15fab15502d30b1236d133500c4ccb34b6bca4fe1e3310ddfa4"
      "8d125b4a0b72594fb218792c367d3d2163363b4e89831bb3af89f39f063320c09342610c4b9419a6"
      "ec0e937582793b8629dd61b29d605ec770466e359081508177601dc81478069b2cbf5030c6065ace"
      "314c68ce314c30c7314c30e7184c30e7182630e7182698e31826987b8ef1048b716864");
  WireReader in(frame);
  RequestHeader header = readHeaderStart(in);
  ASSERT_EQ(header.api_key, 0);
  ASSERT_EQ(header.api_version, 7);
  readHeaderRest(in, false, header);
  EXPECT_EQ(header.client_id, "rdkafka");
  auto request = decodeMessage<ProduceRequest>(std::string_view(frame).substr(in.position()), 7);
  EXPECT_EQ(request.acks, -1);
  ASSERT_EQ(request.topics.size(), 1u);
  EXPECT_EQ(request.topics[0].name, "cap");
  auto batches = decodeRecordBatches(*request.topics[0].partitions.at(0).records);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].compression(), Compression::kZstd);
  EXPECT_EQ(batches[0].producer_id, -1);
  ASSERT_EQ(batches[0].records.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    const Record& record = batches[0].records[i];
    EXPECT_EQ(record.offset_delta, i);
    EXPECT_EQ(record.key, "user-" + std::to_string((i + 1) % 3));
    EXPECT_EQ(record.value, "order " + std::to_string(i + 1) + " created and paid and shipped");
    ASSERT_EQ(record.headers.size(), 1u);
    EXPECT_EQ(record.headers[0].key, "trace");
    EXPECT_EQ(record.headers[0].value, "abc");
  }
  // One flipped bit anywhere in the batch is caught.
  std::string damaged = *request.topics[0].partitions[0].records;
  damaged[damaged.size() - 3] ^= 0x04;
  EXPECT_THROW(decodeRecordBatches(damaged), KafkaDecodeError);
}

TEST(KafkaCompression, EveryCodecRoundTrips) {
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "message " + std::to_string(i) + "\n";
  for (Compression codec : kCodecs) {
    const std::string packed = compress(codec, data);
    if (codec != Compression::kNone) {
      EXPECT_LT(packed.size(), data.size() / 2);
    }
    EXPECT_EQ(decompress(codec, packed, data.size()), data) << compressionName(codec);
  }
}

// 16 MiB of zeros compresses to a few KiB; decompressing stops at the 1 MiB bound.
TEST(KafkaCompression, DecompressionBombsStopAtTheBound) {
  const std::string zeros(16 << 20, '\0');
  for (Compression codec : kCodecs) {
    const std::string bomb = compress(codec, zeros);
    EXPECT_THROW(decompress(codec, bomb, 1 << 20), CompressionError) << compressionName(codec);
  }
}

TEST(KafkaCompression, DamagedInputIsRefused) {
  std::string data(10000, 'a');
  for (int i = 0; i < 10000; i += 13) data[i] = static_cast<char>('a' + i % 26);
  for (Compression codec :
       {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    const std::string packed = compress(codec, data);
    EXPECT_THROW(decompress(codec, packed.substr(0, packed.size() / 2), 1 << 20), CompressionError)
        << compressionName(codec);
    EXPECT_THROW(decompress(codec, "garbage that is no frame", 1 << 20), CompressionError)
        << compressionName(codec);
  }
}

// Java's client frames snappy the xerial way; librdkafka writes one raw block.
TEST(KafkaCompression, SnappyInXerialFraming) {
  const std::string part1(3000, 'x');
  const std::string part2 = "tail of the second block";
  const std::string block1 = compress(Compression::kSnappy, part1);
  const std::string block2 = compress(Compression::kSnappy, part2);
  std::string framed("\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16);
  for (const std::string* block : {&block1, &block2}) {
    const uint32_t n = static_cast<uint32_t>(block->size());
    framed += static_cast<char>(n >> 24);
    framed += static_cast<char>(n >> 16);
    framed += static_cast<char>(n >> 8);
    framed += static_cast<char>(n);
    framed += *block;
  }
  EXPECT_EQ(decompress(Compression::kSnappy, framed, 1 << 20), part1 + part2);
  EXPECT_THROW(decompress(Compression::kSnappy, framed, 3001), CompressionError);
}

TEST(KafkaRecordBatch, CompressedBatchOverTheBoundIsRefused) {
  RecordBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.records.push_back({i, 1, std::nullopt, std::string(100000, 'z'), {}});
  }
  WireWriter out;
  encodeRecordBatch(batch, Compression::kZstd, out);
  RecordBatchLimits limits;
  limits.max_uncompressed_bytes = 1 << 20;
  EXPECT_LT(out.size(), size_t{1} << 16);
  EXPECT_THROW(decodeRecordBatches(out.buffer(), limits), CompressionError);
  limits.max_uncompressed_bytes = 16 << 20;
  EXPECT_EQ(decodeRecordBatches(out.buffer(), limits)[0].records.size(), 100u);
}

}  // namespace
}  // namespace mq::kafka
