// The portal's way to the data plane: the client library (client/include/mq/client.h)
// through any live broker, which it finds through this metaserver's own MetaService. Reads a
// partition's messages, sends test messages, describes consumer groups, reads and resets
// their committed offsets, and resolves offsets (earliest, latest, by time).
//
// The client library stays behind this header, so the values here are plain copies of its
// ones (the metaserver's own names, such as TopicSpec, never reuse the client's). Every call throws
// mq::client::Error from the client library (the broker's refusal, or a retriable error when no
// broker answered); json_api.h turns it into a JSON error. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/include/mq/admin_records.h"
#include "client/include/mq/tls_config.h"
#include "mq_types.h"

namespace mq {

struct BrokerGatewayOptions {
  std::string metaserver;  // "host:port" of MetaService, to find live brokers
  std::string client_id = "mq-portal";
  std::string token;  // access token for brokers with `auth = on` ("" = none)
  TlsConfig tls;      // for brokers and a metaserver with `tls = on`
  int64_t request_timeout_ms = 10000;
  int retries = 2;
  int64_t retry_backoff_max_ms = 1000;
};

// A message as read through a broker: the client's own value (offset, key, value, headers,
// both times).
using BrowsedMessage = client::StoredMessage;

struct TestMessage {
  std::string topic;
  std::optional<int> partition;  // unset: the key's partition, or round-robin
  std::optional<std::string> key;
  std::string value;
  std::map<std::string, std::string> headers;
};

struct SentMessage {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  int64_t append_time_ms = 0;
};

using PartitionKey = std::pair<std::string, int>;  // topic, partition

struct OffsetLookup {
  enum class Spec { kEarliest, kLatest, kTimestamp };
  PartitionKey partition;
  Spec spec = Spec::kLatest;
  int64_t timestamp_ms = 0;  // for kTimestamp
};

struct FoundOffset {
  int64_t offset = 0;  // the answer to the lookup's spec
  int64_t start_offset = 0;
  int64_t end_offset = 0;
};

class BrokerGateway {
 public:
  explicit BrokerGateway(BrokerGatewayOptions options);
  ~BrokerGateway();
  BrokerGateway(const BrokerGateway&) = delete;
  BrokerGateway& operator=(const BrokerGateway&) = delete;

  // Up to `limit` messages of the partition from `offset` (in offset order), stopping at
  // `end_offset` (the log end the caller knows) or after `wait_ms` without data.
  std::vector<BrowsedMessage> read(const std::string& topic, int partition, int64_t offset,
                                   int limit, int64_t end_offset, int wait_ms = 2000);
  // Sends one message and waits for its acknowledgement.
  SentMessage send(const TestMessage& message);
  // Sends the messages in batches and waits for every acknowledgement; results in order.
  // Throws the first failure as rpc::MqError (the other messages may have been stored).
  std::vector<SentMessage> sendAll(const std::vector<TestMessage>& messages);

  // An unknown group comes back with state "Dead".
  client::GroupDescription describeGroup(const std::string& group_id);
  std::vector<client::CommittedOffset> committedOffsets(const std::string& group_id);
  // Admin commit (generation -1), atomically: refused with GROUP_NOT_EMPTY while the group
  // has members.
  void resetOffsets(const std::string& group_id, const std::map<PartitionKey, int64_t>& offsets);
  // One answer per lookup, in order.
  std::vector<FoundOffset> listOffsets(const std::vector<OffsetLookup>& lookups);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq
