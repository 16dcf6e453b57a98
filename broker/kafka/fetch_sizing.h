// How many messages a Kafka Fetch asks the shared fetch path for, per partition. Kafka bounds
// a fetch by bytes (max.partition.fetch.bytes, 1 MiB by default), the store by a message
// count first: PartitionStore::read takes its LIMIT of rows from MariaDB and only then cuts
// at the byte limit, so asking for the most (10,000) rows of 1 KiB read ~10 MiB to return
// 1 MiB. A connection's consumer fetches the same partitions over and over, so each
// partition's last seen message size predicts how many fit: ask for that many, and a
// little more.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace mq::kafka {

class FetchSizing {
 public:
  // Messages to ask for so that `max_bytes` (key + value bytes, as the store counts them)
  // is likely filled: 1..kMaxMessages. Before any message of the partition was seen on this
  // connection, assumes kFirstGuessBytes per message.
  int maxMessages(const std::string& topic, int32_t partition, int64_t max_bytes) const;
  // Records what a fetch of the partition returned (nothing is recorded for none).
  void observe(const std::string& topic, int32_t partition, int64_t messages, int64_t bytes);

  static constexpr int kMaxMessages = 10000;  // the fetch path's own limit
  static constexpr int64_t kFirstGuessBytes = 256;

 private:
  std::map<std::pair<std::string, int32_t>, int64_t> message_bytes_;  // average, at least 1
};

}  // namespace mq::kafka
