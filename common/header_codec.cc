#include "common/header_codec.h"

#include <cstdint>
#include <stdexcept>

namespace mq {
namespace {

void putVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

uint64_t getVarint(std::string_view& in) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) throw std::invalid_argument("headers: truncated varint");
    auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  throw std::invalid_argument("headers: varint too long");
}

std::string getBytes(std::string_view& in) {
  uint64_t length = getVarint(in);
  if (length > in.size()) throw std::invalid_argument("headers: truncated string");
  std::string value(in.substr(0, length));
  in.remove_prefix(length);
  return value;
}

}  // namespace

std::string encodeHeaders(const Headers& headers) {
  std::string out;
  if (headers.empty()) return out;
  putVarint(out, headers.size());
  for (const auto& [key, value] : headers) {
    putVarint(out, key.size());
    out += key;
    putVarint(out, value.size());
    out += value;
  }
  return out;
}

Headers decodeHeaders(std::string_view encoded) {
  Headers headers;
  if (encoded.empty()) return headers;
  uint64_t count = getVarint(encoded);
  for (uint64_t i = 0; i < count; ++i) {
    std::string key = getBytes(encoded);
    headers[std::move(key)] = getBytes(encoded);
  }
  if (!encoded.empty()) throw std::invalid_argument("headers: trailing bytes");
  return headers;
}

}  // namespace mq
