// The message keys of `mq-perf workload`, chosen as the OpenMessaging Benchmark's key
// distributors choose them: 10,000 random keys (7 random bytes, base64url, 10 characters),
// then per message none (NO_KEY), the next in turn (KEY_ROUND_ROBIN, one cycle per
// producer), or the one the nanosecond clock points at (RANDOM_NANO).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "perf/workload_spec.h"

namespace mq::perf {

class MessageKeys {
 public:
  static constexpr int kUniqueKeys = 10000;

  // Keys drawn from a generator seeded with `seed` (the same seed, the same keys).
  MessageKeys(KeyDistributor distributor, uint64_t seed);

  // The key of the next message. Not thread-safe: one MessageKeys per producer thread
  // (copies share nothing).
  std::optional<std::string> next();

  const std::vector<std::string>& keys() const { return keys_; }

 private:
  KeyDistributor distributor_;
  std::vector<std::string> keys_;
  size_t round_robin_ = 0;
};

}  // namespace mq::perf
