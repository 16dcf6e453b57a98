#include "client/broker_subset.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "mq/partitioner.h"

namespace mq::client {
namespace {

// 64 bits from two independent 32-bit hashes, so that ties are practically impossible.
uint64_t score(const std::string& key, const HostPort& broker) {
  const std::string address = broker.toString();
  const uint64_t high = keyHash(key + '\n' + address);
  const uint64_t low = keyHash(address + '\n' + key);
  return high << 32 | low;
}

}  // namespace

std::vector<HostPort> brokerSubset(const std::vector<HostPort>& brokers, const std::string& key,
                                   size_t size) {
  std::vector<std::pair<uint64_t, HostPort>> scored;
  scored.reserve(brokers.size());
  for (const auto& broker : brokers) scored.emplace_back(score(key, broker), broker);
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (size == 0 || size > scored.size()) size = scored.size();
  std::vector<HostPort> subset;
  subset.reserve(size);
  for (size_t i = 0; i < size; ++i) subset.push_back(scored[i].second);
  return subset;
}

std::string defaultSubsetKey(const std::string& client_id) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return client_id + "@" + host;
}

}  // namespace mq::client
