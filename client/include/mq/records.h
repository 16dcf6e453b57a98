// The values the mq client library sends and receives: partitions, records, send results and
// consumed messages (part of mq/client.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mq/error.h"

namespace mq::client {

// Message headers: name -> value (values are bytes; names should be UTF-8).
using Headers = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------------------
// Values

struct TopicPartition {
  std::string topic;
  int partition = 0;

  bool operator==(const TopicPartition& o) const {
    return partition == o.partition && topic == o.topic;
  }
  bool operator!=(const TopicPartition& o) const { return !(*this == o); }
  bool operator<(const TopicPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
  // "orders-3"
  std::string toString() const;
};

// A message to produce.
struct ProducerRecord {
  std::string topic;
  std::string value;
  std::optional<std::string> key;  // unset: spread round-robin over writable partitions
  Headers headers;
  std::optional<int> partition;  // set: goes exactly there (wins over the key)
  int64_t timestamp_ms = 0;      // 0: the time send/sendAsync was called
  // Delayed delivery (docs/delayed-delivery.md): no consumer receives the message before
  // this time (ms since the epoch; 0 = now). Wins over delay_ms. At most the broker's
  // max-delay (90 days by default) ahead, else the send fails with INVALID_REQUEST.
  int64_t deliver_at_ms = 0;
  // The same as a delay from the time send/sendAsync is called (0 = none; negative is
  // refused with INVALID_REQUEST).
  int64_t delay_ms = 0;
};

// Where an acknowledged message was stored.
struct SendResult {
  std::string topic;
  int partition = 0;
  // -1 for a delayed message: it gets its offset when it becomes due.
  int64_t offset = 0;
  int64_t append_time_ms = 0;  // broker's append time (ms since the epoch)
  // With ClientConfig::clusters: the name of the cluster that stored it; else "".
  std::string cluster;
};

struct ConsumedMessage {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
  Headers headers;
  int64_t timestamp_ms = 0;    // producer's timestamp
  int64_t append_time_ms = 0;  // broker's append time
  // ClusterConsumer: the name of the cluster it was read from; else "".
  std::string cluster;
};

}  // namespace mq::client
