// The mq client library: Producer, Consumer and AdminClient for the mq message queue.
//
// This is the one header an application includes (plus mq/partitioner.h if it wants the key
// hash on its own). Every call says what it promises and what it throws. All failures are
// reported as mq::Error (a std::runtime_error) carrying a wire ErrorCode and whether trying
// again can succeed.
//
// Transport: brokers and the metaserver speak Thrift (framed transport, binary protocol);
// brokers are stateless, so any broker serves any partition. The client discovers live
// brokers from the metaserver (MetaService.listBrokers) and falls back to a static
// bootstrap list.
//
// Delivery semantics: at-least-once. A produce request whose reply is lost (timeout,
// broken connection) is sent again; if the first attempt had committed, the message is
// stored twice. The order of messages within one partition is kept, also across retries.
// See docs/client.md for the full tour and the configuration table.
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

// The wire types generated from idl/mq.thrift (namespace mq::rpc): ErrorCode, and the
// topology structs the AdminClient returns (TopicInfo, BrokerInfo, DatanodeInfo, ...).
#include "mq_types.h"

namespace mq {

// The wire's error codes (idl/mq.thrift ErrorCode), e.g. rpc::ErrorCode::UNKNOWN_TOPIC.
using ErrorCode = rpc::ErrorCode::type;
// Message headers: name -> value (values are bytes; names should be UTF-8).
using Headers = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------------------
// Errors

// Every failure the client reports. what() is a message that names the problem, e.g.
// "unknown topic `orders`", "partition 9 out of range 0..3 (topic `orders`)",
// "message of 2 MiB exceeds max 1 MiB".
class Error : public std::runtime_error {
 public:
  // retriable defaults to what the code usually means (mq::isRetriable).
  Error(ErrorCode code, const std::string& message);
  Error(ErrorCode code, const std::string& message, bool retriable);

  ErrorCode code() const noexcept { return code_; }
  // True when the same call can succeed if tried again later (possibly elsewhere):
  // timeouts, unreachable brokers, a datanode being down, a full producer buffer.
  bool retriable() const noexcept { return retriable_; }
  // The code's name: "UNKNOWN_TOPIC", "TIMEOUT", ...
  std::string codeName() const;

 private:
  ErrorCode code_;
  bool retriable_;
};

// ---------------------------------------------------------------------------------------
// Configuration. Every property, its default and its meaning are also listed in one table
// in docs/client.md. Constructors validate the configuration and throw
// Error(INVALID_CONFIG) naming the bad property.

struct ClientConfig {
  // Brokers to use ("host:port"). With a metaserver they are the fallback when it cannot be
  // reached or lists no live broker; without one they are the only brokers used.
  std::vector<std::string> bootstrap_brokers;
  // Metaserver "host:port" (optional for Producer and Consumer, required for AdminClient's
  // topic/datanode/broker calls). Used to discover live brokers.
  std::string metaserver;
  // Sent in every request header; shows up in broker logs.
  std::string client_id = "mq-client";
  // How long one request may take before it is abandoned (and retried if allowed).
  int64_t request_timeout_ms = 30000;
  // How long opening a TCP connection may take.
  int64_t connect_timeout_ms = 3000;
  // How many times a failed retriable call is tried again (0 = never).
  int retries = 10;
  // Backoff before retry n (n = 0, 1, ...) is uniformly random in
  // [0, min(retry_backoff_max_ms, retry_backoff_ms * 2^n)] ("full jitter").
  int64_t retry_backoff_ms = 100;
  // Also how long a broker that could not be reached is avoided (doubling while it keeps
  // failing, at most 60 s); meanwhile requests go to the other brokers at once.
  int64_t retry_backoff_max_ms = 5000;
  // Cached topic metadata and the broker list are refreshed after this long.
  int64_t metadata_refresh_ms = 30000;
};

struct ProducerConfig : ClientConfig {
  // How long a partition's first buffered message may wait for more to join its batch.
  int64_t linger_ms = 5;
  // Most messages in one partition batch.
  int batch_size = 500;
  // Most key+value+header bytes in one partition batch (a single larger message, up to
  // max_message_bytes, still goes alone).
  int64_t batch_bytes = 1 << 20;
  // Bound of the async buffer: messages accepted but not yet acknowledged or failed.
  int64_t buffer_messages = 100000;
  // The same bound in key+value+header bytes.
  int64_t buffer_bytes = 64LL << 20;
  // How long send/sendAsync block when the buffer is full (or topic metadata cannot be
  // fetched) before failing the call with Error(TIMEOUT). Messages are never dropped.
  int64_t max_block_ms = 60000;
  // Largest message accepted (key + value + headers).
  int64_t max_message_bytes = 1 << 20;
  // A message not acknowledged this long after it was accepted fails with Error(TIMEOUT)
  // instead of being retried again.
  int64_t delivery_timeout_ms = 120000;
  // Produce requests in flight at once, each on its own connection and sender thread.
  int max_in_flight_requests = 4;
};

// What a consumer does when it has no position for a partition, or its position is
// outside the stored range (OFFSET_OUT_OF_RANGE).
enum class OffsetReset {
  kEarliest,  // go to the earliest stored offset
  kLatest,    // go to the log end (only messages produced from now on)
  kNone,      // poll() throws Error(OFFSET_OUT_OF_RANGE)
};

// Parses "earliest", "latest" or "none"; returns false otherwise.
bool parseOffsetReset(const std::string& text, OffsetReset* reset);

struct ConsumerConfig : ClientConfig {
  // Most messages one poll() returns per partition.
  int max_poll_messages = 500;
  // Most key+value bytes one poll() fetches per partition (at least one message is
  // returned even if it is larger).
  int64_t fetch_max_bytes = 4 << 20;
  OffsetReset auto_offset_reset = OffsetReset::kEarliest;
};

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
};

// Where an acknowledged message was stored.
struct SendResult {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  int64_t append_time_ms = 0;  // broker's append time (ms since the epoch)
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
};

// ---------------------------------------------------------------------------------------
// Producer

// Sends messages through a bounded buffer drained by background sender threads, which group
// messages per partition (linger_ms, batch_size, batch_bytes) and send one ProduceRequest
// with several partition batches to a broker; up to max_in_flight_requests requests are in
// flight, at most one batch per partition, and a retried batch goes before later messages
// of its partition, so per-partition order is kept.
//
// Every accepted message completes exactly once: acknowledged with its offset, or failed
// with an Error. A message is never dropped: when the buffer is full, sending blocks up to
// max_block_ms and then throws.
//
// Thread-safe: any number of threads may send concurrently.
class Producer {
 public:
  // Called once per accepted message on a sender thread: exactly one of the pointers is
  // non-null. It must be quick and must not throw; it should not block. Callbacks for one
  // partition run in offset order.
  using Callback = std::function<void(const SendResult* result, const Error* error)>;

  // Starts the sender threads; connects lazily. Throws Error(INVALID_CONFIG).
  explicit Producer(ProducerConfig config);
  // close(): waits for every buffered message to complete.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Sends one message and waits for its acknowledgement (without waiting for linger_ms).
  // Returns where it was stored. Throws Error: the checks of sendAsync, or the delivery
  // failure (non-retriable broker error, or retries / delivery_timeout_ms exhausted).
  SendResult send(const std::string& topic, std::string value,
                  std::optional<std::string> key = std::nullopt, Headers headers = {},
                  std::optional<int> partition = std::nullopt);
  SendResult send(ProducerRecord record);

  // Buffers one message for sending and returns at once (unless the buffer is full). The
  // future yields the SendResult or throws the delivery Error.
  //
  // Throws (and the message is NOT sent) Error with code:
  //   INVALID_TOPIC_NAME  the topic name is malformed;
  //   UNKNOWN_TOPIC       "unknown topic `x`" (after one metadata refresh);
  //   UNKNOWN_PARTITION   "partition 9 out of range 0..3 (topic `x`)" (after one refresh);
  //   PARTITION_READ_ONLY a keyless message for a topic with no writable partition;
  //   MESSAGE_TOO_LARGE   "message of 2 MiB exceeds max 1 MiB";
  //   TIMEOUT             (retriable) the buffer stayed full for max_block_ms;
  //   SHUTTING_DOWN       the producer is closed;
  //   or the last retriable error when the topic's metadata could not be fetched (within
  //   max_block_ms and `retries`).
  // A message that was accepted is never dropped: its future or callback always completes.
  std::future<SendResult> sendAsync(const std::string& topic, std::string value,
                                    std::optional<std::string> key = std::nullopt,
                                    Headers headers = {},
                                    std::optional<int> partition = std::nullopt);
  std::future<SendResult> sendAsync(ProducerRecord record);
  // Same, completing through `callback` instead of a future. Throws like sendAsync (and
  // then never calls the callback). Called from inside a callback while the buffer is
  // full it throws Error(TIMEOUT) at once instead of blocking (blocking there would
  // deadlock the sender thread).
  void sendAsync(ProducerRecord record, Callback callback);

  // Sends everything buffered now without waiting for linger_ms and returns when each
  // message accepted before the call has been acknowledged or has failed (their futures
  // are ready, their callbacks have returned). Does not throw for failed messages.
  void flush();

  // flush(), then stops the sender threads. Later sends throw Error(SHUTTING_DOWN).
  // Idempotent.
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// Consumer

// Reads assigned partitions (manual assignment; consumer groups come later). Keeps a
// position per partition: the offset of the next message poll() returns.
//
// Not thread-safe: use one Consumer from one thread at a time.
class Consumer {
 public:
  // Connects lazily. Throws Error(INVALID_CONFIG).
  explicit Consumer(ConsumerConfig config);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Replaces the assignment. Partitions kept from the previous assignment keep their
  // positions; new ones start at auto_offset_reset unless seek()ed. Duplicates are
  // ignored. Throws Error(INVALID_TOPIC_NAME) or Error(INVALID_REQUEST) for a negative
  // partition.
  void assign(const std::vector<TopicPartition>& partitions);
  std::vector<TopicPartition> assignment() const;

  // Sets the position of an assigned partition. An offset outside the stored range is
  // handled by auto_offset_reset at the next poll(). Throws Error(INVALID_REQUEST) when `tp`
  // is not assigned or offset < 0.
  void seek(const TopicPartition& tp, int64_t offset);
  // Moves to the earliest stored offset / the log end (resolved at the next poll() or
  // position()). An empty list means every assigned partition. Throws like seek().
  void seekToBeginning(const std::vector<TopicPartition>& partitions = {});
  void seekToEnd(const std::vector<TopicPartition>& partitions = {});

  // Returns the messages available on the assigned partitions, in offset order per
  // partition (at most max_poll_messages and fetch_max_bytes per partition), waiting up to
  // `timeout` for the first one (one long-poll Fetch to a broker covering every assigned
  // partition). Advances each partition's position past what it returns. An empty result
  // means nothing arrived in time.
  //
  // Retries unreachable brokers and retriable errors on another broker while time remains.
  // Throws Error:
  //   INVALID_REQUEST      nothing is assigned;
  //   OFFSET_OUT_OF_RANGE  a position is outside the stored range and auto_offset_reset is
  //                        kNone (the position is left unchanged);
  //   the partition's error (UNKNOWN_TOPIC, UNKNOWN_PARTITION, NOT_AUTHORIZED, ...) naming
  //                        the partition: no position advances, so nothing is skipped;
  //   a retriable error    no broker could be reached before `timeout` ran out.
  std::vector<ConsumedMessage> poll(std::chrono::milliseconds timeout);

  // The offset of the next message poll() would return for `tp` (asks a broker when a
  // seekToBeginning/End or the initial reset is pending). Throws Error(INVALID_REQUEST) if
  // not assigned, or the broker's error.
  int64_t position(const TopicPartition& tp);

  // Closes connections. The consumer must not be used afterwards. Idempotent.
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// AdminClient

struct NewTopic {
  std::string name;
  int partitions = 1;
  int64_t retention_ms = 0;  // 0 = the server's default (7 days)
  std::string owner_team;
  std::string description;
};

struct NewDatanode {
  std::string name;
  std::string host;
  int port = 3306;
  std::string database_name;
  std::string user;
  std::string password;  // sent to the metaserver only; never logged or returned
};

enum class OffsetSpec {
  kEarliest,   // earliest stored offset
  kLatest,     // the log end: the next offset to be written
  kTimestamp,  // first offset whose append time >= timestamp_ms
};

struct OffsetQuery {
  TopicPartition partition;
  OffsetSpec spec = OffsetSpec::kLatest;
  int64_t timestamp_ms = 0;  // for kTimestamp
};

struct PartitionOffsets {
  TopicPartition partition;
  int64_t offset = 0;        // the answer to the query's spec
  int64_t start_offset = 0;  // earliest stored offset
  int64_t end_offset = 0;    // next offset to be written
};

// Topic, datanode and broker administration through the metaserver (MetaService), and
// offsets/metadata through a broker. Thread-safe (calls are serialized).
//
// Every call throws Error: the server's refusal (e.g. TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC,
// INVALID_CONFIG) or, after `retries` attempts, a retriable transport error. Reads are
// retried; changes are retried only when the request surely did not reach the server
// (connection refused), so a change is never applied twice by the client.
class AdminClient {
 public:
  // Throws Error(INVALID_CONFIG). Metaserver calls throw Error(INVALID_CONFIG) when
  // config.metaserver is empty.
  explicit AdminClient(ClientConfig config);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // --- MetaService ---
  rpc::TopicInfo createTopic(const NewTopic& topic);
  std::vector<rpc::TopicInfo> listTopics();
  // Throws Error(UNKNOWN_TOPIC).
  rpc::TopicInfo describeTopic(const std::string& name);
  void deleteTopic(const std::string& name);
  // Adds `count` partitions to the topic; returns the topic afterwards.
  rpc::TopicInfo addPartitions(const std::string& name, int count);
  rpc::DatanodeInfo addDatanode(const NewDatanode& datanode);
  std::vector<rpc::DatanodeInfo> listDatanodes();
  std::vector<rpc::BrokerInfo> listBrokers();

  // --- Broker ---
  // One answer per query, in query order. Throws the first partition's error (e.g.
  // UNKNOWN_TOPIC) after retrying retriable ones.
  std::vector<PartitionOffsets> listOffsets(const std::vector<OffsetQuery>& queries);
  // Earliest and end offsets of every partition of `topic`, by partition. Throws
  // Error(UNKNOWN_TOPIC) "unknown topic `x`".
  std::vector<PartitionOffsets> topicOffsets(const std::string& topic);
  // Topology as a broker caches it (empty `topics` = all topics) and the live brokers.
  rpc::MetadataResponse metadata(const std::vector<std::string>& topics = {});

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq
