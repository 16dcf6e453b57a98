#include "broker/kafka/protocol/wire.h"

#include <fmt/format.h>

namespace mq::kafka {

void WireReader::need(size_t n) const {
  if (n > remaining()) {
    throw KafkaDecodeError(
        fmt::format("truncated: {} bytes needed at byte {}, {} left", n, pos_, remaining()));
  }
}

std::string_view WireReader::take(size_t n) {
  need(n);
  std::string_view out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

int8_t WireReader::int8() {
  need(1);
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t WireReader::int16() {
  need(2);
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
  pos_ += 2;
  return static_cast<int16_t>((p[0] << 8) | p[1]);
}

uint32_t WireReader::uint32() {
  need(4);
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
  pos_ += 4;
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

int32_t WireReader::int32() { return static_cast<int32_t>(uint32()); }

int64_t WireReader::int64() {
  const uint64_t high = uint32();
  const uint64_t low = uint32();
  return static_cast<int64_t>((high << 32) | low);
}

bool WireReader::boolean() { return int8() != 0; }

uint32_t WireReader::uvarint() {
  uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    const auto byte = static_cast<uint8_t>(int8());
    if (shift == 28 && (byte & 0xf0) != 0)
      throw KafkaDecodeError("unsigned varint overflows 32 bits");
    value |= uint32_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
  throw KafkaDecodeError("unsigned varint longer than 5 bytes");
}

namespace {

uint64_t readUnsigned64(WireReader& in, int max_bytes, const char* what) {
  uint64_t value = 0;
  for (int i = 0; i < max_bytes; ++i) {
    const auto byte = static_cast<uint8_t>(in.int8());
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  throw KafkaDecodeError(fmt::format("{} longer than {} bytes", what, max_bytes));
}

}  // namespace

int32_t WireReader::varint() {
  const uint64_t raw = readUnsigned64(*this, 5, "varint");
  if (raw > 0xffffffffu) throw KafkaDecodeError("varint overflows 32 bits");
  const auto u = static_cast<uint32_t>(raw);
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t WireReader::varlong() {
  const uint64_t u = readUnsigned64(*this, 10, "varlong");
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

std::string WireReader::uuid() { return std::string(take(16)); }

std::string WireReader::string() {
  auto value = nullableString();
  if (!value) throw KafkaDecodeError("null where a string is required");
  return std::move(*value);
}

std::optional<std::string> WireReader::nullableString() {
  const int16_t length = int16();
  if (length == -1) return std::nullopt;
  if (length < 0) throw KafkaDecodeError(fmt::format("string length {}", length));
  return std::string(take(static_cast<size_t>(length)));
}

std::string WireReader::bytes() {
  auto value = nullableBytes();
  if (!value) throw KafkaDecodeError("null where bytes are required");
  return std::move(*value);
}

std::optional<std::string> WireReader::nullableBytes() {
  const int32_t length = int32();
  if (length == -1) return std::nullopt;
  if (length < 0) throw KafkaDecodeError(fmt::format("bytes length {}", length));
  return std::string(take(static_cast<size_t>(length)));
}

std::optional<std::string> WireReader::compactNullableString() {
  const uint32_t length_plus_one = uvarint();
  if (length_plus_one == 0) return std::nullopt;
  return std::string(take(length_plus_one - 1));
}

std::string WireReader::compactString() {
  auto value = compactNullableString();
  if (!value) throw KafkaDecodeError("null where a compact string is required");
  return std::move(*value);
}

std::optional<std::string> WireReader::compactNullableBytes() { return compactNullableString(); }

std::string WireReader::compactBytes() {
  auto value = compactNullableString();
  if (!value) throw KafkaDecodeError("null where compact bytes are required");
  return std::move(*value);
}

int32_t WireReader::arrayCount(bool compact, size_t min_element_bytes) {
  int64_t count;
  if (compact) {
    count = static_cast<int64_t>(uvarint()) - 1;
  } else {
    count = int32();
    if (count < -1) throw KafkaDecodeError(fmt::format("array length {}", count));
  }
  if (count > 0 && static_cast<uint64_t>(count) * min_element_bytes > remaining()) {
    throw KafkaDecodeError(
        fmt::format("array of {} elements cannot fit the {} bytes left", count, remaining()));
  }
  return static_cast<int32_t>(count);
}

void WireReader::skipTaggedFields() {
  const uint32_t count = uvarint();
  for (uint32_t i = 0; i < count; ++i) {
    uvarint();  // tag
    take(uvarint());
  }
}

void WireWriter::int8(int8_t v) { out_.push_back(static_cast<char>(v)); }

void WireWriter::int16(int16_t v) {
  const auto u = static_cast<uint16_t>(v);
  out_.push_back(static_cast<char>(u >> 8));
  out_.push_back(static_cast<char>(u));
}

void WireWriter::uint32(uint32_t u) {
  char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
               static_cast<char>(u)};
  out_.append(b, 4);
}

void WireWriter::int32(int32_t v) { uint32(static_cast<uint32_t>(v)); }

void WireWriter::int64(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  uint32(static_cast<uint32_t>(u >> 32));
  uint32(static_cast<uint32_t>(u));
}

namespace {

void writeUnsigned64(std::string& out, uint64_t u) {
  while (u >= 0x80) {
    out.push_back(static_cast<char>((u & 0x7f) | 0x80));
    u >>= 7;
  }
  out.push_back(static_cast<char>(u));
}

}  // namespace

void WireWriter::uvarint(uint32_t v) { writeUnsigned64(out_, v); }

void WireWriter::varint(int32_t v) {
  writeUnsigned64(out_, (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

void WireWriter::varlong(int64_t v) {
  writeUnsigned64(out_, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void WireWriter::uuid(const std::string& v) {
  std::string id = v.substr(0, 16);
  id.resize(16, '\0');
  out_ += id;
}

void WireWriter::string(std::string_view v) {
  int16(static_cast<int16_t>(v.size()));
  raw(v);
}

void WireWriter::nullableString(const std::optional<std::string>& v) {
  if (!v) return int16(-1);
  string(*v);
}

void WireWriter::bytes(std::string_view v) {
  int32(static_cast<int32_t>(v.size()));
  raw(v);
}

void WireWriter::nullableBytes(const std::optional<std::string>& v) {
  if (!v) return int32(-1);
  bytes(*v);
}

void WireWriter::compactString(std::string_view v) {
  uvarint(static_cast<uint32_t>(v.size() + 1));
  raw(v);
}

void WireWriter::compactNullableString(const std::optional<std::string>& v) {
  if (!v) return uvarint(0);
  compactString(*v);
}

void WireWriter::compactBytes(std::string_view v) { compactString(v); }

void WireWriter::compactNullableBytes(const std::optional<std::string>& v) {
  compactNullableString(v);
}

void WireWriter::arrayCount(bool compact, int32_t count) {
  if (compact) {
    uvarint(static_cast<uint32_t>(count + 1));
  } else {
    int32(count);
  }
}

void WireWriter::patchInt32(size_t at, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  out_[at] = static_cast<char>(u >> 24);
  out_[at + 1] = static_cast<char>(u >> 16);
  out_[at + 2] = static_cast<char>(u >> 8);
  out_[at + 3] = static_cast<char>(u);
}

int uvarintSize(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

int varintSize(int64_t v) {
  return uvarintSize((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

}  // namespace mq::kafka
