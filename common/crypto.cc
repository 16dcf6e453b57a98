#include "common/crypto.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace mq {
namespace {

std::string toHex(const unsigned char* bytes, size_t count) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * count);
  for (size_t i = 0; i < count; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 15];
  }
  return hex;
}

}  // namespace

std::string randomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    throw std::runtime_error("RAND_bytes failed: no secure randomness available");
  }
  return bytes;
}

std::string randomHex(size_t bytes) {
  const std::string random = randomBytes(bytes);
  return toHex(reinterpret_cast<const unsigned char*>(random.data()), random.size());
}

std::string sha256Hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return toHex(digest, sizeof digest);
}

}  // namespace mq
