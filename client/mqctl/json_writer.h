// mqctl's JSON output: one object per line, always valid UTF-8.
//
// Message keys, values and headers are bytes. A field whose bytes are valid UTF-8 is written
// as a JSON string under its name ("value"); otherwise it is written base64-encoded
// (RFC 4648, with padding) under the name with a "_b64" suffix ("value_b64"), so binary
// payloads survive and a reader can tell which form it got. Other text (names, server
// messages) has invalid bytes replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mq::mqctl {

class JsonObject {
 public:
  JsonObject& text(std::string_view key, std::string_view value);
  // "key": "value" when value is UTF-8, else "key_b64": "<base64>".
  JsonObject& bytes(std::string_view key, std::string_view value);
  JsonObject& number(std::string_view key, int64_t value);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& null(std::string_view key);
  JsonObject& object(std::string_view key, const JsonObject& value);
  JsonObject& array(std::string_view key, const std::vector<JsonObject>& values);
  // Headers: UTF-8 pairs in "key": {...}; pairs with other bytes, base64-encoded on both
  // sides, in "key_b64": {...} (only present when there are any).
  JsonObject& headers(std::string_view key, const std::map<std::string, std::string>& headers);

  // "{...}" without a newline.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view name);
  std::string body_;
};

}  // namespace mq::mqctl
