#include "broker/kafka/protocol/record_batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "broker/kafka/protocol/crc32c.h"

namespace mq::kafka {
namespace {

// Offsets inside a batch, from its first byte.
constexpr size_t kBatchLengthAt = 8;
constexpr size_t kMagicAt = 16;
constexpr size_t kCrcAt = 17;
constexpr size_t kAttributesAt = 21;
constexpr size_t kHeaderBytes = 61;  // through recordCount
constexpr int kMinRecordBytes = 7;   // length, attributes, two deltas, two lengths, headers

std::optional<std::string> readVarBytes(WireReader& in, const char* what) {
  const int32_t length = in.varint();
  if (length == -1) return std::nullopt;
  if (length < 0) throw KafkaDecodeError(fmt::format("record {} length {}", what, length));
  return std::string(in.take(static_cast<size_t>(length)));
}

Record readRecord(WireReader& in, int64_t base_timestamp) {
  const int32_t length = in.varint();
  if (length < kMinRecordBytes - 1 || static_cast<size_t>(length) > in.remaining()) {
    throw KafkaDecodeError(
        fmt::format("record length {} with {} bytes left", length, in.remaining()));
  }
  WireReader body(in.take(static_cast<size_t>(length)));
  Record record;
  body.int8();  // attributes: unused by magic 2
  record.timestamp = base_timestamp + body.varlong();
  record.offset_delta = body.varint();
  record.key = readVarBytes(body, "key");
  record.value = readVarBytes(body, "value");
  const int32_t headers = body.varint();
  if (headers < 0 || static_cast<size_t>(headers) * 2 > body.remaining()) {
    throw KafkaDecodeError(fmt::format("record header count {}", headers));
  }
  record.headers.reserve(headers);
  for (int32_t i = 0; i < headers; ++i) {
    RecordHeader header;
    auto key = readVarBytes(body, "header key");
    if (!key) throw KafkaDecodeError("null record header key");
    header.key = std::move(*key);
    header.value = readVarBytes(body, "header value");
    record.headers.push_back(std::move(header));
  }
  if (!body.done()) throw KafkaDecodeError("bytes after a record's headers");
  return record;
}

RecordBatch readBatch(std::string_view bytes, const RecordBatchLimits& limits) {
  WireReader in(bytes);
  RecordBatch batch;
  batch.base_offset = in.int64();
  in.int32();  // batchLength: the caller framed the batch with it
  batch.partition_leader_epoch = in.int32();
  const int8_t magic = in.int8();
  if (magic != 2) {
    throw KafkaDecodeError(
        fmt::format("record batch magic {}: only magic 2 (RecordBatch v2) "
                    "is accepted",
                    magic));
  }
  const uint32_t crc = in.uint32();
  const uint32_t computed = crc32c(bytes.substr(kAttributesAt));
  if (crc != computed) {
    throw KafkaDecodeError(fmt::format(
        "record batch CRC-32C mismatch: batch says {:08x}, bytes give {:08x}", crc, computed));
  }
  batch.attributes = in.int16();
  batch.last_offset_delta = in.int32();
  batch.base_timestamp = in.int64();
  batch.max_timestamp = in.int64();
  batch.producer_id = in.int64();
  batch.producer_epoch = in.int16();
  batch.base_sequence = in.int32();
  const int32_t count = in.int32();
  if (count < 0 || count > limits.max_records) {
    throw KafkaDecodeError(
        fmt::format("record batch of {} records (limit {})", count, limits.max_records));
  }
  const int codec = batch.attributes & RecordBatch::kCompressionMask;
  if (codec > static_cast<int>(Compression::kZstd)) {
    throw CompressionError(fmt::format("unknown compression codec {}", codec));
  }
  std::string inflated;
  std::string_view records = in.take(in.remaining());
  if (batch.compression() != Compression::kNone) {
    inflated = decompress(batch.compression(), records, limits.max_uncompressed_bytes);
    records = inflated;
  }
  if (static_cast<size_t>(count) * kMinRecordBytes > records.size()) {
    throw KafkaDecodeError(fmt::format("{} records cannot fit in {} bytes", count, records.size()));
  }
  WireReader record_in(records);
  batch.records.reserve(count);
  for (int32_t i = 0; i < count; ++i) {
    batch.records.push_back(readRecord(record_in, batch.base_timestamp));
  }
  if (!record_in.done()) throw KafkaDecodeError("bytes after the last record of a batch");
  return batch;
}

std::optional<std::string_view> view(const std::optional<std::string>& v) {
  return v ? std::optional<std::string_view>(*v) : std::nullopt;
}

RecordView view(const Record& record) {
  RecordView out{record.offset_delta, record.timestamp, view(record.key), view(record.value), {}};
  out.headers.reserve(record.headers.size());
  for (const auto& header : record.headers) out.headers.push_back({header.key, view(header.value)});
  return out;
}

void writeVarBytes(WireWriter& out, const std::optional<std::string_view>& v) {
  if (!v) return out.varint(-1);
  out.varint(static_cast<int32_t>(v->size()));
  out.raw(*v);
}

// What writeVarBytes writes for `v`.
size_t varBytesSize(const std::optional<std::string_view>& v) {
  return v ? varintSize(static_cast<int64_t>(v->size())) + v->size() : varintSize(-1);
}

// A record is its length and then its body; the length is computed first, so the body (most
// of a fetch answer's bytes) is written once, in place.
void writeRecord(WireWriter& out, const RecordView& record, int64_t base_timestamp) {
  const int64_t timestamp_delta = record.timestamp - base_timestamp;
  size_t length = 1 + varintSize(timestamp_delta) + varintSize(record.offset_delta) +
                  varBytesSize(record.key) + varBytesSize(record.value) +
                  varintSize(static_cast<int64_t>(record.headers.size()));
  for (const auto& header : record.headers) {
    length += varintSize(static_cast<int64_t>(header.key.size())) + header.key.size() +
              varBytesSize(header.value);
  }
  const size_t start = out.size();
  out.varint(static_cast<int32_t>(length));
  out.int8(0);  // attributes
  out.varlong(timestamp_delta);
  out.varint(record.offset_delta);
  writeVarBytes(out, record.key);
  writeVarBytes(out, record.value);
  out.varint(static_cast<int32_t>(record.headers.size()));
  for (const auto& header : record.headers) {
    out.varint(static_cast<int32_t>(header.key.size()));
    out.raw(header.key);
    writeVarBytes(out, header.value);
  }
  if (out.size() - start != length + varintSize(static_cast<int64_t>(length))) {
    throw std::logic_error("a Kafka record's computed length differs from its bytes");
  }
}

}  // namespace

std::vector<RecordBatch> decodeRecordBatches(std::string_view data,
                                             const RecordBatchLimits& limits) {
  std::vector<RecordBatch> batches;
  size_t pos = 0;
  while (pos < data.size()) {
    WireReader frame(data.substr(pos));
    frame.int64();  // baseOffset
    const int32_t length = frame.int32();
    // batchLength counts from partitionLeaderEpoch on: the 12 bytes before it are extra.
    if (length < static_cast<int32_t>(kHeaderBytes - 12) ||
        static_cast<size_t>(length) > frame.remaining()) {
      throw KafkaDecodeError(
          fmt::format("record batch length {} with {} bytes left", length, frame.remaining()));
    }
    const size_t total = 12 + static_cast<size_t>(length);
    if (static_cast<uint8_t>(data[pos + kMagicAt]) != 2) {
      throw KafkaDecodeError(
          fmt::format("record batch magic {}: only magic 2 (RecordBatch v2) "
                      "is accepted",
                      static_cast<int>(data[pos + kMagicAt])));
    }
    batches.push_back(readBatch(data.substr(pos, total), limits));
    pos += total;
  }
  return batches;
}

void encodeRecordBatch(const RecordBatch& batch, Compression codec, WireWriter& out) {
  std::vector<RecordView> records;
  records.reserve(batch.records.size());
  for (const auto& record : batch.records) records.push_back(view(record));
  encodeRecordBatch(batch, records, codec, out);
}

void encodeRecordBatch(const RecordBatch& batch, const std::vector<RecordView>& records,
                       Compression codec, WireWriter& out) {
  int64_t base_timestamp = records.empty() ? batch.base_timestamp : INT64_MAX;
  int64_t max_timestamp = records.empty() ? batch.max_timestamp : INT64_MIN;
  for (const auto& record : records) {
    base_timestamp = std::min(base_timestamp, record.timestamp);
    max_timestamp = std::max(max_timestamp, record.timestamp);
  }
  // Kafka takes the first record's timestamp as the base; any will do as deltas are signed.
  if (!records.empty()) base_timestamp = records.front().timestamp;
  // Uncompressed records are written straight after the header (a fetch answer is megabytes
  // of them: no copy); compressed ones are built aside first.
  std::string payload;
  if (codec != Compression::kNone) {
    WireWriter compressed;
    for (const auto& record : records) writeRecord(compressed, record, base_timestamp);
    payload = compress(codec, compressed.buffer());
  }

  const size_t start = out.size();
  out.int64(batch.base_offset);
  out.int32(0);  // batchLength, patched below
  out.int32(batch.partition_leader_epoch);
  out.int8(2);
  out.uint32(0);  // crc, patched below
  out.int16(static_cast<int16_t>((batch.attributes & ~RecordBatch::kCompressionMask) |
                                 static_cast<int16_t>(codec)));
  out.int32(records.empty() ? batch.last_offset_delta : records.back().offset_delta);
  out.int64(base_timestamp);
  out.int64(max_timestamp);
  out.int64(batch.producer_id);
  out.int16(batch.producer_epoch);
  out.int32(batch.base_sequence);
  out.int32(static_cast<int32_t>(records.size()));
  if (codec == Compression::kNone) {
    for (const auto& record : records) writeRecord(out, record, base_timestamp);
  } else {
    out.raw(payload);
  }
  out.patchInt32(start + kBatchLengthAt, static_cast<int32_t>(out.size() - start - 12));
  const uint32_t crc = crc32c(std::string_view(out.buffer()).substr(start + kAttributesAt));
  out.patchInt32(start + kCrcAt, static_cast<int32_t>(crc));
}

}  // namespace mq::kafka
