// ISO 8601 times as people type them (mqctl, the portal's query parameters).
#pragma once

#include <cstdint>
#include <string>

namespace mq {

// ISO 8601: 2024-05-01, 2024-05-01T12:00[:00[.000]], with Z, +HH:MM, -HHMM or no zone
// (UTC). False when `text` is not one of these.
bool parseIsoTime(const std::string& text, int64_t* ms_since_epoch);

}  // namespace mq
