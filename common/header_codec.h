// The storage encoding of message headers (the partition table's `headers` column):
// a compact length-prefixed binary map, cheaper to write and parse than JSON.
//
//   varint(count) { varint(key length) key varint(value length) value } * count
//
// An empty map encodes as the empty string (stored as NULL).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace mq {

using Headers = std::map<std::string, std::string>;

std::string encodeHeaders(const Headers& headers);

// Throws std::invalid_argument on truncated or malformed input.
Headers decodeHeaders(std::string_view encoded);

}  // namespace mq
