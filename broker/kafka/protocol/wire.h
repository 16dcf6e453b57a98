// The Kafka wire protocol's primitive types (kafka.apache.org/protocol#protocol_types):
// big-endian fixed-width integers, zig-zag varints and varlongs, unsigned varints, strings and
// byte arrays in their classic (int16/int32 length) and compact (unsigned varint length + 1)
// forms, UUIDs, and tagged-field sections. WireReader reads them from a byte range and throws
// KafkaDecodeError when the input is truncated or a length is impossible, before anything is
// allocated for it; WireWriter appends them to a string.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mq::kafka {

// A request (or record batch) that cannot be decoded: the connection is closed.
class KafkaDecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WireReader {
 public:
  // Reads `data` in place: it must outlive the reader (a temporary string is refused).
  explicit WireReader(std::string_view data) : data_(data) {}
  explicit WireReader(std::string&&) = delete;

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool done() const { return pos_ == data_.size(); }

  int8_t int8();
  int16_t int16();
  int32_t int32();
  int64_t int64();
  uint32_t uint32();
  bool boolean();
  int32_t varint();    // zig-zag
  int64_t varlong();   // zig-zag
  uint32_t uvarint();  // unsigned, at most 5 bytes
  std::string uuid();  // 16 raw bytes

  // Classic forms: int16 length (strings) or int32 length (bytes); -1 is null.
  std::string string();
  std::optional<std::string> nullableString();
  std::string bytes();
  std::optional<std::string> nullableBytes();
  // Compact forms (flexible versions): unsigned varint length + 1; 0 is null.
  std::string compactString();
  std::optional<std::string> compactNullableString();
  std::string compactBytes();
  std::optional<std::string> compactNullableBytes();

  // The next `n` bytes, without copying. Throws when fewer remain.
  std::string_view take(size_t n);
  // An array's element count: classic (int32, -1 null) or compact (uvarint, 0 null). Null
  // gives -1. A count above the bytes left, at `min_element_bytes` each, is refused.
  int32_t arrayCount(bool compact, size_t min_element_bytes);
  // Skips a tagged-field section (flexible versions): every field is unknown to us.
  void skipTaggedFields();

 private:
  void need(size_t n) const;
  std::string_view data_;
  size_t pos_ = 0;
};

class WireWriter {
 public:
  std::string& buffer() { return out_; }
  const std::string& buffer() const { return out_; }
  size_t size() const { return out_.size(); }

  void int8(int8_t v);
  void int16(int16_t v);
  void int32(int32_t v);
  void int64(int64_t v);
  void uint32(uint32_t v);
  void boolean(bool v) { int8(v ? 1 : 0); }
  void varint(int32_t v);
  void varlong(int64_t v);
  void uvarint(uint32_t v);
  void uuid(const std::string& v);  // 16 bytes; shorter values are padded with zeros

  void string(std::string_view v);
  void nullableString(const std::optional<std::string>& v);
  void bytes(std::string_view v);
  void nullableBytes(const std::optional<std::string>& v);
  void compactString(std::string_view v);
  void compactNullableString(const std::optional<std::string>& v);
  void compactBytes(std::string_view v);
  void compactNullableBytes(const std::optional<std::string>& v);
  // Array count: classic int32 (-1 null) or compact uvarint (count + 1, 0 null).
  void arrayCount(bool compact, int32_t count);
  // An empty tagged-field section.
  void emptyTaggedFields() { uvarint(0); }
  void raw(std::string_view v) { out_.append(v.data(), v.size()); }
  // Overwrites 4 bytes at `at` with a big-endian int32 (a length or CRC written afterwards).
  void patchInt32(size_t at, int32_t v);

 private:
  std::string out_;
};

// Bytes of a zig-zag varint / unsigned varint (record sizes are computed before writing).
int varintSize(int64_t v);
int uvarintSize(uint64_t v);

}  // namespace mq::kafka
