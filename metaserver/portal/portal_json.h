// JSON the portal's API writes about messages: their bytes as the browser shows them. Responses
// are written with JsonWriter (common/json_writer.h), request bodies read with JsonBody
// (metaserver/json_api.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_writer.h"

namespace mq {

// True when `bytes` is valid UTF-8 without control characters other than tab, CR and LF:
// text the portal can show as such (otherwise it shows hex or base64).
bool isPrintableUtf8(std::string_view bytes);

// A message's bytes for the browser: {"size":N,"text":"..." (only when printable UTF-8),
// "base64":"...","truncated":bool}, showing at most the first 64 KiB.
void writeBytes(JsonWriter& json, const std::string& bytes);
// {"partition" (when >= 0),"offset","timestamp_ms","append_time_ms","key" (writeBytes, or
//  null),"value","headers":[{"name","value"}]}: a message as the portal shows it.
void writeMessage(JsonWriter& json, int64_t offset, int64_t timestamp_ms, int64_t append_time_ms,
                  const std::optional<std::string>& key, const std::string& value,
                  const std::map<std::string, std::string>& headers, int partition = -1);

}  // namespace mq
