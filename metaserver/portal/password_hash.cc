#include "metaserver/portal/password_hash.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>
#include <vector>

#include "common/crypto.h"
#include "common/text_encoding.h"

namespace mq {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
constexpr const char* kScheme = "pbkdf2-sha256";

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  std::string key(kKeyBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(key.size()),
                        reinterpret_cast<unsigned char*>(key.data())) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return key;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

}  // namespace

std::string hashPassword(std::string_view password, int iterations) {
  const std::string salt = randomBytes(kSaltBytes);
  return fmt::format("{}${}${}${}", kScheme, iterations, base64Encode(salt),
                     base64Encode(pbkdf2(password, salt, iterations)));
}

bool verifyPassword(std::string_view password, std::string_view stored) {
  const auto parts = split(stored, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  for (char c : parts[1]) {
    if (c < '0' || c > '9' || iterations > 100000000) return false;
    iterations = iterations * 10 + (c - '0');
  }
  std::string salt, expected;
  if (iterations < 1 || !base64Decode(parts[2], &salt) || !base64Decode(parts[3], &expected) ||
      expected.size() != kKeyBytes) {
    return false;
  }
  const std::string actual = pbkdf2(password, salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected.data(), kKeyBytes) == 0;
}

std::string generatePassword(size_t length) {
  // Rejection sampling keeps every symbol equally likely.
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const unsigned limit = 256 - 256 % kAlphabet.size();
  std::string password;
  while (password.size() < length) {
    for (unsigned char c : randomBytes(length)) {
      if (c < limit && password.size() < length) password += kAlphabet[c % kAlphabet.size()];
    }
  }
  return password;
}

}  // namespace mq
