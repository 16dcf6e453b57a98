// Bytes as text: UTF-8 validation and base64. Messages carry arbitrary bytes; every place
// that shows them (mqctl --json, the portal, logs) decides with these whether they can be
// shown as text or must be encoded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mq {

// Length of the valid UTF-8 sequence starting at text[i] (1 to 4), or 0 when there is none:
// overlong forms, surrogates, code points above U+10FFFF and truncated sequences are invalid.
// REQUIRES: i < text.size().
size_t utf8SequenceLength(std::string_view text, size_t i);

bool isValidUtf8(std::string_view text);

// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string sanitizeUtf8(std::string_view text);

// Standard base64 (RFC 4648) with padding.
std::string base64Encode(std::string_view bytes);

// Decodes standard padded base64; false (and `out` untouched) on anything malformed.
bool base64Decode(std::string_view text, std::string* out);

}  // namespace mq
