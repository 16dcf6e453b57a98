// Kafka's RecordBatch v2 (magic 2, kafka.apache.org/documentation/#recordbatch): the unit a
// Produce request carries and a Fetch response returns.
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 (2) |
//   crc uint32 (CRC-32C of everything after it) | attributes int16 | lastOffsetDelta int32 |
//   baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
//   baseSequence int32 | recordCount int32 | records (compressed as attributes say)
//
//   record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//           key (varint length, -1 null) | value (same) | headerCount varint |
//           header: key (varint length) | value (varint length, -1 null)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/kafka/protocol/compression.h"
#include "broker/kafka/protocol/wire.h"

namespace mq::kafka {

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
};

struct Record {
  int32_t offset_delta = 0;
  int64_t timestamp = 0;  // absolute: baseTimestamp + timestampDelta
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;
};

// A record to write, by reference: its bytes stay where they are held (a fetch answer
// writes the broker's messages without copying them into Records first).
struct RecordHeaderView {
  std::string_view key;
  std::optional<std::string_view> value;
};

struct RecordView {
  int32_t offset_delta = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<RecordHeaderView> headers;
};

struct RecordBatch {
  static constexpr int16_t kCompressionMask = 0x07;
  static constexpr int16_t kLogAppendTime = 0x08;
  static constexpr int16_t kTransactional = 0x10;
  static constexpr int16_t kControl = 0x20;

  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  std::vector<Record> records;

  Compression compression() const {
    return static_cast<Compression>(attributes & kCompressionMask);
  }
  bool transactional() const { return (attributes & kTransactional) != 0; }
  bool control() const { return (attributes & kControl) != 0; }
};

struct RecordBatchLimits {
  size_t max_uncompressed_bytes = 64 << 20;  // records of one batch once decompressed
  int32_t max_records = 1000000;             // records of one batch
};

// Decodes every batch of a Produce request's `records`. Throws KafkaDecodeError when a batch
// is truncated, is not magic 2, fails its CRC-32C or holds malformed records, and
// CompressionError when its records cannot be decompressed within the limits.
std::vector<RecordBatch> decodeRecordBatches(std::string_view data,
                                             const RecordBatchLimits& limits = {});

// Appends one batch. Computes batchLength, lastOffsetDelta (from the last record),
// baseTimestamp and maxTimestamp (from the records) and the CRC; compresses the records
// with `codec` (the attributes' codec bits are set from it).
void encodeRecordBatch(const RecordBatch& batch, Compression codec, WireWriter& out);
// The same with `records` (by reference) as the batch's records; `batch.records` unused.
void encodeRecordBatch(const RecordBatch& batch, const std::vector<RecordView>& records,
                       Compression codec, WireWriter& out);

}  // namespace mq::kafka
