#include "perf/message_keys.h"

#include <chrono>
#include <random>

namespace mq::perf {
namespace {

constexpr int kKeyBytes = 7;

// Unpadded base64url, as OMB encodes its random keys.
std::string base64Url(const unsigned char* data, int size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int pending = 0;
  for (int i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out += kAlphabet[(bits >> pending) & 0x3f];
    }
  }
  if (pending > 0) out += kAlphabet[(bits << (6 - pending)) & 0x3f];
  return out;
}

}  // namespace

MessageKeys::MessageKeys(KeyDistributor distributor, uint64_t seed) : distributor_(distributor) {
  if (distributor_ == KeyDistributor::kNoKey) return;
  std::mt19937_64 random(seed);
  keys_.reserve(kUniqueKeys);
  unsigned char buffer[kKeyBytes];
  for (int i = 0; i < kUniqueKeys; ++i) {
    for (auto& byte : buffer) byte = static_cast<unsigned char>(random());
    keys_.push_back(base64Url(buffer, kKeyBytes));
  }
}

std::optional<std::string> MessageKeys::next() {
  switch (distributor_) {
    case KeyDistributor::kNoKey:
      return std::nullopt;
    case KeyDistributor::kKeyRoundRobin:
      // OMB's KeyRoundRobin starts at index 1 and wraps to 0.
      if (++round_robin_ >= keys_.size()) round_robin_ = 0;
      return keys_[round_robin_];
    case KeyDistributor::kRandomNano: {
      const auto nanos = std::chrono::steady_clock::now().time_since_epoch().count();
      return keys_[static_cast<size_t>(nanos < 0 ? -nanos : nanos) % keys_.size()];
    }
  }
  return std::nullopt;
}

}  // namespace mq::perf
