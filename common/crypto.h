// Random secrets and digests from OpenSSL, shared by the portal (sessions, passwords) and
// access control (tokens). Every random byte comes from RAND_bytes; a failure there throws
// std::runtime_error rather than fall back to weaker randomness.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mq {

// `count` random bytes.
std::string randomBytes(size_t count);

// `bytes` random bytes as lower-case hex (2 * bytes characters).
std::string randomHex(size_t bytes);

// SHA-256 of `text` as lower-case hex (64 characters).
std::string sha256Hex(std::string_view text);

}  // namespace mq
