// The mq client library's Producer (part of mq/client.h).
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

#include "mq/config.h"
#include "mq/records.h"

namespace mq::client {

class ClusterFailoverProducer;  // client/cluster_failover_producer.h

// ---------------------------------------------------------------------------------------
// Producer

// Where a Producer's latency went since it started (Producer::stages()), in milliseconds.
// A message's send-to-acknowledgement time is its `buffered` time plus its request's
// `request` time (plus the time its callback waits for a sender thread to run it).
struct ProducerStages {
  struct Stage {
    uint64_t count = 0;
    double mean_ms = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
  };
  // Per message: from being accepted (send(), sendAsync()) to its first request going out:
  // linger, waiting for a free in-flight request, its partition's batch ahead of it.
  Stage buffered;
  // Per request: from sending it to its response (the network and the broker; a retry is
  // a request of its own).
  Stage request;
};

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
// With enable_idempotence, a retried batch carries the same producer id, epoch and sequence
// and is stored once. Its refusals are fatal for the batch's messages: OUT_OF_ORDER_SEQUENCE
// (the producer then starts a new sequence under a renewed identity), and PRODUCER_FENCED
// (a newer instance with the same producer_name exists: every later send throws
// Error(PRODUCER_FENCED) too). A message that fails after an attempt that may have been
// stored (retries or delivery_timeout_ms exhausted) has an unknown outcome, as without
// idempotence; the producer then renews its identity so later batches are not mistaken for it.
//
// Thread-safe: any number of threads may send concurrently.
class Producer {
 public:
  // Called once per accepted message on a sender thread (or on a thread inside a
  // synchronous send() that carried the message in its request: ProducerConfig::
  // send_on_caller). Exactly one of the pointers is non-null. It must be quick and must
  // not throw; it should not block. Callbacks for one partition run in offset order.
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
  //   PRODUCER_FENCED     (idempotent) a newer instance with the same producer_name exists;
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

  // With ClientConfig::clusters: the name of the cluster new messages go to now; else "".
  std::string cluster() const;

  // Where the time went (see ProducerStages). With ClientConfig::clusters: the producer of
  // the cluster in use now (none yet: all zero).
  ProducerStages stages() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;                         // one cluster
  std::unique_ptr<ClusterFailoverProducer> failover_;  // ClientConfig::clusters set
};

}  // namespace mq::client
