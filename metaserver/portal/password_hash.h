// Secrets of the portal's sign-in, from OpenSSL: password hashes (PBKDF2-HMAC-SHA256 with a
// random 16-byte salt; the iteration count is stored in the hash so it can be raised later
// without invalidating old hashes), random tokens for sessions and CSRF, and generated
// passwords. Every random byte comes from RAND_bytes; a failure there throws
// std::runtime_error rather than fall back to weaker randomness.
#pragma once

#include <string>
#include <string_view>

#include "common/crypto.h"  // randomHex, sha256Hex

namespace mq {

// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; about 0.2 s per hash here.
inline constexpr int kPasswordHashIterations = 600000;

// `pbkdf2-sha256$<iterations>$<salt, base64>$<32-byte key, base64>`.
std::string hashPassword(std::string_view password, int iterations = kPasswordHashIterations);

// True when `password` matches `stored` (a hashPassword result); compares in constant time.
// False for a malformed `stored`.
bool verifyPassword(std::string_view password, std::string_view stored);

// A password of `length` characters from letters and digits without look-alikes (0/O, 1/l/I).
std::string generatePassword(size_t length = 20);

}  // namespace mq
