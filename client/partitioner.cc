#include "mq/partitioner.h"

#include <algorithm>
#include <random>

namespace mq::client {

uint32_t keyHash(std::string_view key) {
  uint32_t h = 2166136261u;
  for (unsigned char b : key) {
    h ^= b;
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

int partitionForKey(std::string_view key, int partition_count) {
  return static_cast<int>(keyHash(key) % static_cast<uint32_t>(partition_count));
}

Partitioner::Partitioner() : seed_(std::random_device{}()) {}

int Partitioner::choose(const std::string& topic, const std::optional<std::string>& key,
                        std::optional<int> explicit_partition, int partition_count,
                        const std::vector<int>& writable) {
  if (explicit_partition) return *explicit_partition;
  if (key) return partitionForKey(*key, partition_count);

  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sticky_.find(topic);
  if (it == sticky_.end()) it = sticky_.emplace(topic, Sticky{-1, seed_, {}}).first;
  Sticky& sticky = it->second;
  auto candidate = [&](uint64_t i) -> int {
    if (writable.empty()) return static_cast<int>(i % static_cast<uint64_t>(partition_count));
    return writable[i % writable.size()];
  };
  // The sticky choice is re-made when it is no longer a candidate (partitions became
  // read-only, or the topic shrank in the cache) or its datanode failed a moment ago. The
  // clock is read only when some partition is avoided (isAvoided needs no time otherwise).
  const auto now = sticky.avoided.empty() ? std::chrono::steady_clock::time_point{}
                                          : std::chrono::steady_clock::now();
  bool valid = sticky.partition >= 0 && sticky.partition < partition_count &&
               (writable.empty() ||
                std::binary_search(writable.begin(), writable.end(), sticky.partition)) &&
               !isAvoided(sticky, sticky.partition, now);
  if (!valid) {
    const uint64_t candidates =
        writable.empty() ? static_cast<uint64_t>(partition_count) : writable.size();
    sticky.partition = candidate(sticky.next++);
    // The next candidate that is not avoided; the plain next one when all are.
    for (uint64_t tried = 1; tried < candidates && isAvoided(sticky, sticky.partition, now);
         ++tried) {
      sticky.partition = candidate(sticky.next++);
    }
  }
  return sticky.partition;
}

bool Partitioner::isAvoided(Sticky& sticky, int partition,
                            std::chrono::steady_clock::time_point now) {
  auto it = sticky.avoided.find(partition);
  if (it == sticky.avoided.end()) return false;
  if (it->second > now) return true;
  sticky.avoided.erase(it);
  return false;
}

void Partitioner::avoid(const std::string& topic, int partition,
                        std::chrono::steady_clock::time_point until) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sticky_.find(topic);
  if (it == sticky_.end()) it = sticky_.emplace(topic, Sticky{-1, seed_, {}}).first;
  Sticky& sticky = it->second;
  sticky.avoided[partition] = std::max(sticky.avoided[partition], until);
  if (sticky.partition == partition) sticky.partition = -1;
}

void Partitioner::onBatchClosed(const std::string& topic, int partition) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sticky_.find(topic);
  if (it == sticky_.end() || it->second.partition != partition) return;
  it->second.partition = -1;  // the next keyless message takes the next candidate
}

}  // namespace mq::client
