// How every Kafka request and response is described ONCE, whatever its version, and encoded
// or decoded from that one description (the approach of Redpanda's kafka/protocol and of
// Kafka's own JSON message schemas, written here as C++).
//
// A message type lists its fields in wire order in a template member
//
//   template <class Io, class Self> static void fields(Io& io, Self& m) {
//     io.int16(m.acks);                            // every version
//     io.nullableString(m.transactional_id, since(3));
//     io.array(m.topics, all(), [&](auto& t) { TopicData::fields(io, t); });
//   }
//
// with the versions each field exists in; `kFlexibleFrom` says from which version the
// message is "flexible" (KIP-482: compact strings and arrays, a tagged-field section at the
// end of the message and of every struct in it). FieldReader (decoding) and FieldWriter
// (encoding) run the same description: a field absent from the version is skipped, so it
// keeps its default (the C++ member initializer, which is Kafka's default) when decoding
// and is left out when encoding. Unknown tagged fields are skipped; none are written.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka/protocol/wire.h"

namespace mq::kafka {

// The versions a field exists in: [low, high].
struct Versions {
  int16_t low = 0;
  int16_t high = std::numeric_limits<int16_t>::max();
  bool has(int16_t version) const { return version >= low && version <= high; }
};

constexpr Versions all() { return {}; }
constexpr Versions since(int16_t low) { return {low, std::numeric_limits<int16_t>::max()}; }
constexpr Versions between(int16_t low, int16_t high) { return {low, high}; }
constexpr int16_t kNeverFlexible = std::numeric_limits<int16_t>::max();

class FieldReader {
 public:
  FieldReader(WireReader& in, int16_t version, bool flexible)
      : in_(in), version_(version), flexible_(flexible) {}
  int16_t version() const { return version_; }
  bool flexible() const { return flexible_; }

  void int8(int8_t& v, Versions when = all()) {
    if (when.has(version_)) v = in_.int8();
  }
  void int16(int16_t& v, Versions when = all()) {
    if (when.has(version_)) v = in_.int16();
  }
  void int32(int32_t& v, Versions when = all()) {
    if (when.has(version_)) v = in_.int32();
  }
  void int64(int64_t& v, Versions when = all()) {
    if (when.has(version_)) v = in_.int64();
  }
  void boolean(bool& v, Versions when = all()) {
    if (when.has(version_)) v = in_.boolean();
  }
  void uuid(std::string& v, Versions when = all()) {
    if (when.has(version_)) v = in_.uuid();
  }
  void string(std::string& v, Versions when = all()) {
    if (when.has(version_)) v = flexible_ ? in_.compactString() : in_.string();
  }
  void nullableString(std::optional<std::string>& v, Versions when = all()) {
    if (when.has(version_)) v = flexible_ ? in_.compactNullableString() : in_.nullableString();
  }
  void bytes(std::string& v, Versions when = all()) {
    if (when.has(version_)) v = flexible_ ? in_.compactBytes() : in_.bytes();
  }
  void nullableBytes(std::optional<std::string>& v, Versions when = all()) {
    if (when.has(version_)) v = flexible_ ? in_.compactNullableBytes() : in_.nullableBytes();
  }
  // An array of structs: `each(element)` describes one element's fields. A null array reads
  // as empty unless `null` is given (then it is set).
  template <class T, class Each>
  void array(std::vector<T>& v, Versions when, Each&& each, bool* null = nullptr) {
    if (!when.has(version_)) return;
    const int32_t count = in_.arrayCount(flexible_, 1);
    if (null != nullptr) *null = count < 0;
    if (count < 0 && null == nullptr) throw KafkaDecodeError("null array where one is required");
    v.clear();
    v.reserve(count > 0 ? count : 0);
    for (int32_t i = 0; i < count; ++i) {
      v.emplace_back();
      each(v.back());
      if (flexible_) in_.skipTaggedFields();
    }
  }
  void int32s(std::vector<int32_t>& v, Versions when = all()) {
    primitives(v, when, 4, [this] { return in_.int32(); });
  }
  void int64s(std::vector<int64_t>& v, Versions when = all()) {
    primitives(v, when, 8, [this] { return in_.int64(); });
  }
  // A null array reads as empty unless `null` is given (then it is set).
  void strings(std::vector<std::string>& v, Versions when = all(), bool* null = nullptr) {
    primitives(
        v, when, 1, [this] { return flexible_ ? in_.compactString() : in_.string(); }, null);
  }
  // The tagged-field section ending the message (flexible versions).
  void end() {
    if (flexible_) in_.skipTaggedFields();
  }

 private:
  template <class T, class Read>
  void primitives(std::vector<T>& v, Versions when, size_t size, Read&& read,
                  bool* null = nullptr) {
    if (!when.has(version_)) return;
    const int32_t count = in_.arrayCount(flexible_, size);
    if (null != nullptr) *null = count < 0;
    v.clear();
    for (int32_t i = 0; i < count; ++i) v.push_back(read());
  }

  WireReader& in_;
  const int16_t version_;
  const bool flexible_;
};

class FieldWriter {
 public:
  FieldWriter(WireWriter& out, int16_t version, bool flexible)
      : out_(out), version_(version), flexible_(flexible) {}
  int16_t version() const { return version_; }
  bool flexible() const { return flexible_; }

  void int8(int8_t v, Versions when = all()) {
    if (when.has(version_)) out_.int8(v);
  }
  void int16(int16_t v, Versions when = all()) {
    if (when.has(version_)) out_.int16(v);
  }
  void int32(int32_t v, Versions when = all()) {
    if (when.has(version_)) out_.int32(v);
  }
  void int64(int64_t v, Versions when = all()) {
    if (when.has(version_)) out_.int64(v);
  }
  void boolean(bool v, Versions when = all()) {
    if (when.has(version_)) out_.boolean(v);
  }
  void uuid(const std::string& v, Versions when = all()) {
    if (when.has(version_)) out_.uuid(v);
  }
  void string(const std::string& v, Versions when = all()) {
    if (!when.has(version_)) return;
    flexible_ ? out_.compactString(v) : out_.string(v);
  }
  void nullableString(const std::optional<std::string>& v, Versions when = all()) {
    if (!when.has(version_)) return;
    flexible_ ? out_.compactNullableString(v) : out_.nullableString(v);
  }
  void bytes(const std::string& v, Versions when = all()) {
    if (!when.has(version_)) return;
    flexible_ ? out_.compactBytes(v) : out_.bytes(v);
  }
  void nullableBytes(const std::optional<std::string>& v, Versions when = all()) {
    if (!when.has(version_)) return;
    flexible_ ? out_.compactNullableBytes(v) : out_.nullableBytes(v);
  }
  template <class T, class Each>
  void array(const std::vector<T>& v, Versions when, Each&& each, const bool* null = nullptr) {
    if (!when.has(version_)) return;
    if (null != nullptr && *null) return out_.arrayCount(flexible_, -1);
    out_.arrayCount(flexible_, static_cast<int32_t>(v.size()));
    for (const T& element : v) {
      each(element);
      if (flexible_) out_.emptyTaggedFields();
    }
  }
  void int32s(const std::vector<int32_t>& v, Versions when = all()) {
    if (!when.has(version_)) return;
    out_.arrayCount(flexible_, static_cast<int32_t>(v.size()));
    for (int32_t x : v) out_.int32(x);
  }
  void int64s(const std::vector<int64_t>& v, Versions when = all()) {
    if (!when.has(version_)) return;
    out_.arrayCount(flexible_, static_cast<int32_t>(v.size()));
    for (int64_t x : v) out_.int64(x);
  }
  void strings(const std::vector<std::string>& v, Versions when = all(),
               const bool* null = nullptr) {
    if (!when.has(version_)) return;
    if (null != nullptr && *null) return out_.arrayCount(flexible_, -1);
    out_.arrayCount(flexible_, static_cast<int32_t>(v.size()));
    for (const auto& x : v) flexible_ ? out_.compactString(x) : out_.string(x);
  }
  void end() {
    if (flexible_) out_.emptyTaggedFields();
  }

 private:
  WireWriter& out_;
  const int16_t version_;
  const bool flexible_;
};

// Decodes a message body of `version` (bytes after the request header, or a response after
// its header). Trailing bytes are refused: a body longer than its description is not what
// the client meant.
template <class Message>
Message decodeMessage(std::string_view body, int16_t version) {
  WireReader in(body);
  FieldReader io(in, version, version >= Message::kFlexibleFrom);
  Message message;
  Message::fields(io, message);
  io.end();
  if (!in.done()) {
    throw KafkaDecodeError(std::to_string(in.remaining()) + " bytes after the end of the message");
  }
  return message;
}

template <class Message>
void encodeMessage(const Message& message, int16_t version, WireWriter& out) {
  FieldWriter io(out, version, version >= Message::kFlexibleFrom);
  Message::fields(io, message);
  io.end();
}

template <class Message>
std::string encodeMessage(const Message& message, int16_t version) {
  WireWriter out;
  encodeMessage(message, version, out);
  return std::move(out.buffer());
}

}  // namespace mq::kafka
