#include "metaserver/portal/portal_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/text_encoding.h"

namespace mq {
bool isPrintableUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const size_t length = utf8SequenceLength(bytes, i);
    if (length == 0) return false;
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (length == 1 && (c == 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))) {
      return false;
    }
    i += length;
  }
  return true;
}

namespace {
constexpr size_t kShownBytes = 64 * 1024;  // of each key, value and header in the browser
}  // namespace

void writeBytes(JsonWriter& json, const std::string& bytes) {
  const bool truncated = bytes.size() > kShownBytes;
  const std::string_view shown(bytes.data(), std::min(bytes.size(), kShownBytes));
  json.beginObject().field("size", static_cast<int64_t>(bytes.size()));
  if (isPrintableUtf8(shown)) json.field("text", shown);
  json.field("base64", base64Encode(shown)).field("truncated", truncated).end();
}

void writeMessage(JsonWriter& json, int64_t offset, int64_t timestamp_ms, int64_t append_time_ms,
                  const std::optional<std::string>& key, const std::string& value,
                  const std::map<std::string, std::string>& headers, int partition) {
  json.beginObject();
  if (partition >= 0) json.field("partition", partition);
  json.field("offset", offset)
      .field("timestamp_ms", timestamp_ms)
      .field("append_time_ms", append_time_ms)
      .key("key");
  if (key) {
    writeBytes(json, *key);
  } else {
    json.null();
  }
  json.key("value");
  writeBytes(json, value);
  json.key("headers").beginArray();
  for (const auto& [name, bytes] : headers) {
    json.beginObject().field("name", name).key("value");
    writeBytes(json, bytes);
    json.end();
  }
  json.end().end();
}

}  // namespace mq
