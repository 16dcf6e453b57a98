// Which partition a produced message goes to. Pure logic, no I/O; used by mq::Producer and
// public so that other programs (and other languages) can compute the same mapping.
//
// Keyed messages: partition = keyHash(key) % partition_count, where keyHash is
//
//   h = 2166136261;  for each byte b of the key: h = (h ^ b) * 16777619   (FNV-1a, 32 bit)
//   h ^= h >> 16;  h *= 0x85ebca6b;  h ^= h >> 13;  h *= 0xc2b2ae35;  h ^= h >> 16
//                                                            (murmur3's finalizer)
//
// on unsigned 32-bit integers (wrapping multiplication). It depends only on the key's
// bytes, so it is the same on every platform and in every version of this library; the
// finalizer spreads FNV's weak low bits so that `% partition_count` is balanced. A key keeps
// its partition as long as the topic's partition count does not change.
//
// Keyless messages stick to one writable partition until the batch being built for it is
// full or handed to the network, then move to the next writable partition (round-robin),
// so they spread evenly while batches stay full and do not pile up behind one partition
// whose batch is still in flight. A partition whose datanode is unavailable is avoided by
// keyless messages for a while (avoid()), so they route around a dead datanode.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mq::client {

// The stable 32-bit key hash described above.
uint32_t keyHash(std::string_view key);

// keyHash(key) % partition_count. REQUIRES: partition_count > 0.
int partitionForKey(std::string_view key, int partition_count);

// Chooses partitions for keyless messages. Thread-safe.
class Partitioner {
 public:
  // Keyless messages of a topic start at candidate number `seed` (mod the candidate count),
  // so that many short-lived producers do not all start on partition 0. The default seed
  // is random.
  Partitioner();
  explicit Partitioner(uint64_t seed) : seed_(seed) {}

  // The partition for a message of `topic`:
  //   explicit partition: returned as is (the caller checks the range);
  //   key: partitionForKey(key, partition_count);
  //   neither: the topic's current sticky partition among `writable` (ascending partition
  //   numbers; when empty, every partition 0..partition_count-1 is a candidate).
  // REQUIRES: partition_count > 0.
  int choose(const std::string& topic, const std::optional<std::string>& key,
             std::optional<int> explicit_partition, int partition_count,
             const std::vector<int>& writable);

  // A batch of `topic`/`partition` was closed (full, or drained for sending): if it is the
  // topic's sticky partition, later keyless messages move on to the next candidate.
  void onBatchClosed(const std::string& topic, int partition);

  // Keyless messages of `topic` leave out `partition` until `until` (its datanode failed),
  // unless every candidate is left out. Keyed and explicit choices are not affected.
  void avoid(const std::string& topic, int partition, std::chrono::steady_clock::time_point until);

 private:
  struct Sticky {
    int partition = -1;  // -1: not chosen yet
    uint64_t next = 0;   // round-robin counter over the candidates
    std::map<int, std::chrono::steady_clock::time_point> avoided;  // partition -> until
  };
  // REQUIRES: mutex_ held. Drops expired entries.
  static bool isAvoided(Sticky& sticky, int partition, std::chrono::steady_clock::time_point now);
  const uint64_t seed_;
  std::mutex mutex_;
  std::map<std::string, Sticky, std::less<>> sticky_;
};

}  // namespace mq::client
