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
// stored twice, unless ProducerConfig.enable_idempotence is set (then it is stored once).
// The order of messages within one partition is kept, also across retries.
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
#include "mq/dead_letter_headers.h"
#include "mq/lane.h"
#include "mq/tls_config.h"
#include "mq_types.h"

namespace mq::rpc {
class MetaServiceClient;  // MetaService.h; used only by AdminClient's internals
}  // namespace mq::rpc

namespace mq {

class ClusterFailoverProducer;  // client/cluster_failover_producer.h

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

// One cluster of ClientConfig::clusters (client cluster failover, docs/multi-cluster.md).
struct ClusterAddress {
  // Shown in logs and in SendResult::cluster; 1..64 characters, unique in the list.
  std::string name;
  // Like ClientConfig::bootstrap_brokers and ::metaserver, for this cluster (one of them).
  std::vector<std::string> bootstrap_brokers;
  std::string metaserver;
  // This cluster's access token; "" = ClientConfig::token.
  std::string token;
};

struct ClientConfig {
  // Brokers to use ("host:port"). With a metaserver they are the fallback when it cannot be
  // reached or lists no live broker; without one they are the only brokers used.
  std::vector<std::string> bootstrap_brokers;
  // Metaserver "host:port" (optional for Producer and Consumer, required for AdminClient's
  // topic/datanode/broker calls). Used to discover live brokers.
  std::string metaserver;
  // Sent in every request header; shows up in broker logs.
  std::string client_id = "mq-client";
  // Access token (docs/security.md): its secret ("mq_..."), sent in every request header.
  // Required by brokers and metaservers that run with `auth = on`; "" = none.
  std::string token;
  // TLS to the brokers and the metaserver (docs/security.md#tls): set tls.enabled and
  // tls.ca_file (the CA that signed the servers' certificates; "" = the system's trust
  // store); tls.cert_file and tls.key_file for servers that require client certificates;
  // tls.server_name when the certificates do not name the hosts connected to. Must match
  // the servers: a TLS client on a plaintext port, or the other way round, fails with an
  // error saying so.
  TlsConfig tls;
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
  // Retry budget, shared by every call of this client: retries in the last 10 s may add at
  // most retry_budget_ratio of the calls made in those 10 s, plus
  // retry_budget_min_per_second. A retry beyond it is not made: the call fails with its last
  // error (retriable, "retry budget exhausted"), so an outage does not multiply the load on
  // what is still up. Messages are not dropped: their send fails visibly.
  double retry_budget_ratio = 0.2;
  double retry_budget_min_per_second = 10;
  // Cached topic metadata and the broker list are refreshed after this long.
  int64_t metadata_refresh_ms = 30000;
  // Deterministic subsetting: use only this many of the discovered brokers (0 = all), so
  // that a large fleet of clients does not connect every client to every broker. The
  // subset is chosen by rendezvous hashing on broker_subset_key: balanced over many
  // clients, the same after a restart, and changed by one broker only when a broker joins or
  // leaves. The other brokers are used only while every broker of the subset is failing.
  int broker_subset_size = 0;
  // Empty: client_id + "@" + this machine's host name.
  std::string broker_subset_key;

  // --- Client cluster failover (Producer only; docs/multi-cluster.md) ---
  // Clusters in order of preference. Empty (default): the one cluster of bootstrap_brokers
  // and metaserver. Set (then those two stay empty): the producer sends to the first cluster
  // in the list, moves to the next cluster that answers once every broker of the one in use
  // has been unreachable for cluster_failover_ms, and back to a more preferred cluster once
  // its brokers have answered for cluster_failback_ms. A message goes to one cluster only: it
  // is acknowledged by the cluster it was sent to, or fails; it is never sent again to
  // another cluster. The topics must exist in every cluster. TLS settings apply to all.
  std::vector<ClusterAddress> clusters;
  int64_t cluster_failover_ms = 10000;
  int64_t cluster_failback_ms = 30000;
  // How often every cluster's brokers are asked whether they answer (a metadata request for
  // the topic last sent to, each with this as its timeout, at least 1 s).
  int64_t cluster_probe_interval_ms = 1000;
};

struct ProducerConfig : ClientConfig {
  // How long a partition's first buffered message may wait for more to join its batch.
  int64_t linger_ms = 5;
  // Adaptive linger: while no request of this producer is in flight, messages are sent at
  // once; linger_ms applies only while the producer already waits for the broker. Lower
  // latency at low and medium rates, the same batching under load (docs/perf.md).
  bool adaptive_linger = true;
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
  // Idempotent producer: the producer gets an id from a broker (initProducer) and stamps
  // every partition batch with it and a per-partition sequence, so a batch retried after
  // a lost reply is written once, not twice. Costs one initProducer call at the first send
  // and a little work per batch on the broker (see docs/client.md).
  bool enable_idempotence = false;
  // With enable_idempotence: a stable name (1..255 characters) keeps the same producer id
  // across restarts and bumps its epoch at each start, which fences every older instance of
  // that name: their sends fail with PRODUCER_FENCED. Empty: a new anonymous id.
  std::string producer_name;
  // Lane of every message this producer sends (mq/lane.h): sets the mq-lane header of
  // messages that do not set it themselves. Empty: the default lane (no header).
  std::string lane;
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

// What a group member does with the messages the application marks failed (nack(), or a
// handler passed to poll() that throws). See docs/dead-letters.md.
struct FailedMessagePolicy {
  // Off by default: nack() and poll(timeout, handler) throw Error(INVALID_CONFIG). On, it
  // needs group_id and metaserver, and subscribe() creates (through the metaserver) the
  // group's retry and dead-letter topics for each subscribed topic; they must exist.
  bool enabled = false;
  // The delay before each retry: a message's n-th failure is retried after
  // retry_backoff_ms[n-1] (through the broker's delayed delivery); once it has failed
  // retry_backoff_ms.size() + 1 times it goes to the dead-letter topic. 0..100 entries, each
  // 0..90 days.
  std::vector<int64_t> retry_backoff_ms = {1000, 5000, 30000, 120000, 600000};
  // false (default): non-blocking retries. A failed message is republished to the group's
  // retry topic (which the member also consumes) and its partition moves on; per-key order
  // is lost for failed messages. true: strict order. The partition stops at the failed
  // message and redelivers it in place after each delay (the member keeps the attempt count
  // in memory; a restart starts it again); everything behind it waits, for the whole
  // schedule if the message keeps failing.
  bool keep_order = false;
};

struct ConsumerConfig : ClientConfig {
  // The lane this consumer reads (mq/lane.h): "" the default lane only (messages without
  // an mq-lane header), a name such as "shadow" that lane only, "*" every lane. Messages of
  // other lanes are skipped and its position moves past them (they count as consumed).
  std::string lane;
  // Most messages one poll() returns per partition.
  int max_poll_messages = 500;
  // Most key+value bytes one poll() fetches per partition (at least one message is
  // returned even if it is larger).
  int64_t fetch_max_bytes = 4 << 20;
  // Where to start without a position: with a group, for a partition the group has no
  // committed offset for.
  OffsetReset auto_offset_reset = OffsetReset::kEarliest;

  // --- Consumer groups (subscribe(); see docs/consumer-groups.md) ---
  // The group to join (1..255 characters). Required by subscribe(); with assign() it only
  // names where commitSync() stores offsets (allowed while the group has no members).
  std::string group_id;
  // Static membership: a stable name for this process (e.g. the pod name). A restart within
  // session_timeout_ms gets the same partitions back without a rebalance; close() does not
  // leave the group. Empty: a dynamic member.
  std::string group_instance_id;
  // A member whose heartbeats stop for this long is removed and its partitions move
  // (1000..300000).
  int64_t session_timeout_ms = 10000;
  // How often the background thread heartbeats; also how soon a member notices a
  // rebalance. Must be below session_timeout_ms (a third of it is usual).
  int64_t heartbeat_interval_ms = 3000;
  // How long the coordinator waits for every member to rejoin in a rebalance; members
  // that have not rejoined by then are removed (0..600000).
  int64_t rebalance_timeout_ms = 60000;
  // If the application does not call poll() for this long, the member leaves the group
  // (its partitions move to live members) and rejoins at the next poll().
  int64_t max_poll_interval_ms = 300000;
  // Commit the positions every auto_commit_interval_ms (from poll()), before partitions
  // are revoked, and in close().
  bool enable_auto_commit = true;
  int64_t auto_commit_interval_ms = 5000;
  // Assignors this member supports, most preferred first: "cooperative-sticky", "sticky",
  // "range", "roundrobin". The coordinator picks the first one every member supports.
  std::vector<std::string> assignors = {"cooperative-sticky", "range"};
  // Shown by `mqctl group describe`; empty: this machine's host name.
  std::string client_host;

  // --- Failed messages: retries with backoff and dead letters (docs/dead-letters.md) ---
  FailedMessagePolicy failed_messages;
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

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;                         // one cluster
  std::unique_ptr<ClusterFailoverProducer> failover_;  // ClientConfig::clusters set
};

// ---------------------------------------------------------------------------------------
// Consumer

// Told about partitions a group member gets and gives up. Called on the application's
// thread, from inside poll() (and close()/unsubscribe()), so a callback may use the
// Consumer (commitSync(), seek(), position()) but must not call poll().
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Called BEFORE the partitions are given up: the last moment to commit what was
  // processed (with enable_auto_commit the consumer has just committed their positions).
  // Eager assignors revoke every partition at the start of each rebalance; cooperative
  // ones only the partitions that move to another member.
  virtual void onPartitionsRevoked(const std::vector<TopicPartition>& partitions) = 0;
  // Called after each completed rebalance with the partitions added to this member
  // (maybe none), before their positions are read from the committed offsets: seek() here
  // overrides the committed offset.
  virtual void onPartitionsAssigned(const std::vector<TopicPartition>& partitions) = 0;
  // The partitions were already taken away (the session expired, max_poll_interval_ms
  // passed, or the member was fenced): commits for them would be refused. Defaults to
  // onPartitionsRevoked.
  virtual void onPartitionsLost(const std::vector<TopicPartition>& partitions) {
    onPartitionsRevoked(partitions);
  }
};

// A member's identity in its group's current generation, as the consumer last learned it.
// Commits carry it; the coordinator refuses a commit from a generation that is no longer
// current (ILLEGAL_GENERATION): that is how a zombie is kept from committing.
struct ConsumerGroupMetadata {
  std::string group_id;
  int generation_id = -1;  // -1: not in a generation
  std::string member_id;
  std::string group_instance_id;
  std::string protocol;  // the assignor of the current generation
};

// Reads partitions: either assigned by hand (assign()) or as a member of a consumer group
// (subscribe()). Keeps a position per partition: the offset of the next message poll()
// returns.
//
// As a group member (ConsumerConfig.group_id), the consumer joins the group in poll() and
// gets a share of the subscribed topics' partitions; a background thread heartbeats. Each
// partition starts at the group's committed offset (auto_offset_reset when there is none).
// Positions are committed with commitSync()/commitAsync() or automatically. Delivery is
// at-least-once: after a crash, a partition's new owner starts at the last committed
// offset. See docs/consumer-groups.md.
//
// Not thread-safe: use one Consumer from one thread at a time.
class Consumer {
 public:
  // Called once per commitAsync(), from a later poll(), commitSync() or close() on the
  // application's thread: `error` is null on success.
  using CommitCallback =
      std::function<void(const std::map<TopicPartition, int64_t>& offsets, const Error* error)>;

  // Connects lazily. Throws Error(INVALID_CONFIG).
  explicit Consumer(ConsumerConfig config);
  // close().
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // --- Manual assignment ---

  // Replaces the assignment. Partitions kept from the previous assignment keep their
  // positions; new ones start at the group's committed offset (when group_id is set) or
  // auto_offset_reset, unless seek()ed. Duplicates are ignored. Throws
  // Error(INVALID_TOPIC_NAME), Error(INVALID_REQUEST) for a negative partition or after
  // subscribe().
  void assign(const std::vector<TopicPartition>& partitions);
  // The assigned partitions (with subscribe(): those this member currently owns).
  std::vector<TopicPartition> assignment() const;

  // --- Group membership ---

  // Subscribes to `topics` as a member of ConsumerConfig.group_id (replacing an earlier
  // subscription; the next poll() rejoins). Topics that do not exist yet are picked up once
  // created, and partitions added later are picked up within metadata_refresh_ms.
  // `listener` (optional) must outlive the consumer. Throws Error(INVALID_CONFIG) without
  // a group_id, Error(INVALID_TOPIC_NAME), Error(INVALID_REQUEST) after assign().
  void subscribe(const std::vector<std::string>& topics, RebalanceListener* listener = nullptr);
  std::vector<std::string> subscription() const;
  // Gives up every partition (commit with auto-commit, onPartitionsRevoked) and leaves
  // the group. Afterwards assign() or subscribe() may be called.
  void unsubscribe();
  ConsumerGroupMetadata groupMetadata() const;

  // Commits the positions of every owned/assigned partition (what poll() has returned so
  // far), or the given offsets (the next offset to consume, per partition), and waits for
  // the answer. A commit that is refused throws Error:
  //   ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID  the group moved on without this member (the
  //                        next poll() rejoins; revoked partitions may be consumed again
  //                        by their new owner);
  //   REBALANCE_IN_PROGRESS (retriable) the group is rebalancing: poll(), then commit again;
  //   FENCED_INSTANCE_ID   a newer process took this static member's place;
  //   GROUP_NOT_EMPTY      assign() mode (generation -1) while the group has members;
  //   a retriable error    no broker answered in time.
  // Commits from one consumer apply in call order (sync and async share one queue).
  void commitSync();
  void commitSync(const std::map<TopicPartition, int64_t>& offsets);
  // Commits on behalf of an earlier identity (e.g. groupMetadata() saved when the messages
  // were polled): refused with ILLEGAL_GENERATION if the group has moved to another
  // generation since, so work done in an old generation cannot overwrite the progress of
  // the partitions' new owners.
  void commitSync(const std::map<TopicPartition, int64_t>& offsets,
                  const ConsumerGroupMetadata& as_of);
  // Queues a commit of the current positions (or `offsets`) and returns at once; the
  // callback (optional) reports the outcome later.
  void commitAsync(CommitCallback callback = nullptr);
  void commitAsync(const std::map<TopicPartition, int64_t>& offsets,
                   CommitCallback callback = nullptr);
  // The group's committed offsets for `partitions` (-1: none). Throws Error(INVALID_CONFIG)
  // without a group_id, or the broker call's Error.
  std::map<TopicPartition, int64_t> committed(const std::vector<TopicPartition>& partitions);

  // Sets the position of an assigned/owned partition. An offset outside the stored range is
  // handled by auto_offset_reset at the next poll(). Throws Error(INVALID_REQUEST) when `tp`
  // is not assigned or offset < 0.
  void seek(const TopicPartition& tp, int64_t offset);
  // Moves to the earliest stored offset / the log end (resolved at the next poll() or
  // position()). An empty list means every assigned partition. Throws like seek().
  void seekToBeginning(const std::vector<TopicPartition>& partitions = {});
  void seekToEnd(const std::vector<TopicPartition>& partitions = {});

  // poll() returns nothing from paused partitions until they are resumed; membership and
  // heartbeats go on. A paused partition that is revoked is no longer paused if it comes
  // back. Throws Error(INVALID_REQUEST) for a partition that is not assigned.
  void pause(const std::vector<TopicPartition>& partitions);
  void resume(const std::vector<TopicPartition>& partitions);
  std::vector<TopicPartition> paused() const;

  // Returns the messages available on the assigned partitions, in offset order per
  // partition (at most max_poll_messages and fetch_max_bytes per partition), waiting up to
  // `timeout` for the first one (one long-poll Fetch to a broker covering every assigned
  // partition). Advances each partition's position past what it returns. An empty result
  // means nothing arrived in time.
  //
  // As a group member, poll() also drives membership: it joins (or rejoins after a
  // rebalance, a lost session or a metadata change), calls the RebalanceListener, reads
  // committed offsets for new partitions, auto-commits, and delivers commitAsync
  // callbacks. With a cooperative assignor, partitions that do not move keep being fetched
  // while a rebalance runs; with an eager one, nothing is returned until it completes.
  //
  // Retries unreachable brokers and retriable errors on another broker while time remains.
  // Throws Error:
  //   INVALID_REQUEST      nothing is assigned and nothing is subscribed;
  //   OFFSET_OUT_OF_RANGE  a position is outside the stored range (or the group has no
  //                        committed offset) and auto_offset_reset is kNone;
  //   FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_REQUEST (bad group
  //                        settings): the member cannot stay in the group;
  //   the partition's error (UNKNOWN_TOPIC, UNKNOWN_PARTITION, NOT_AUTHORIZED, ...) naming
  //                        the partition: no position advances, so nothing is skipped;
  //   a retriable error    no broker could be reached before `timeout` ran out.
  std::vector<ConsumedMessage> poll(std::chrono::milliseconds timeout);

  // --- Failed messages (ConsumerConfig.failed_messages; docs/dead-letters.md) ---

  // Marks `message` (returned by poll(), of a partition this member still owns) as failed
  // with the error text `error`. Non-blocking policy: the message is republished
  // (asynchronously) to the group's retry topic with its next delay, or after its last
  // attempt to the group's dead-letter topic, with provenance headers
  // (mq/dead_letter_headers.h); poll() goes on with the partition. keep_order: the
  // partition goes back to the message and is held for the delay, and nack() returns true:
  // skip the rest of that partition's messages in the current batch (they come again).
  // Returns false when the partition moves on (non-blocking, or the dead letter after the
  // last attempt): go on with the batch.
  //
  // No loss: until the republish is acknowledged, no commit of this consumer (automatic or
  // explicit) moves past the message. If the republish fails, the partition's position is
  // set back to the message (it is delivered again) and the error is logged. A crash before
  // the acknowledgement leaves the offset uncommitted, so the message is consumed again
  // (possibly in addition to a retry that was stored: at-least-once).
  // Throws Error(INVALID_CONFIG) when failed_messages is off, Error(INVALID_REQUEST) when
  // the partition is not owned.
  bool nack(const ConsumedMessage& message, const std::string& error);

  // Called for each message by poll(timeout, handler). Throwing marks the message failed.
  using MessageHandler = std::function<void(const ConsumedMessage& message)>;
  // poll(timeout), then handler(message) for each message returned, in order; a message
  // whose handler throws is nack()ed with the exception's what() (with keep_order, the rest
  // of its partition's batch is skipped while it is retried in place: it comes again after
  // the message). Returns how many
  // messages were handled (successfully or not). Throws like poll(); needs failed_messages.
  size_t poll(std::chrono::milliseconds timeout, const MessageHandler& handler);

  // The offset of the next message poll() would return for `tp` (asks a broker when a
  // seekToBeginning/End, the initial reset or the committed offset is pending). Throws
  // Error(INVALID_REQUEST) if not assigned, or the broker's error.
  int64_t position(const TopicPartition& tp);

  // Why the last poll() could not read every partition it should have: the last retriable
  // error it retried inside (a partition's datanode down: DATANODE_UNAVAILABLE; the
  // committed offset or the log start could not be read; the group cannot be joined, e.g.
  // METADATA_UNAVAILABLE), unset when it read them all. An empty poll() with this set does
  // not mean that nothing is there: tools that stop when nothing more comes (mqctl
  // consume) wait instead.
  std::optional<Error> lastPollIncomplete() const;

  // As a group member: with enable_auto_commit commits the positions, calls
  // onPartitionsRevoked for every owned partition, and leaves the group (a static member
  // does not leave: a restart within session_timeout_ms takes its place back). Waits for
  // queued async commits. Then closes connections. The consumer must not be used
  // afterwards. Idempotent; errors are logged, not thrown.
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A consumer that follows a producer with client cluster failover (ClientConfig::clusters;
// docs/multi-cluster.md, "Consumers that follow"): it reads the group's topics in every
// cluster of the list at once, one Consumer per cluster (the same ConsumerConfig, that
// cluster's addresses), each on a thread of its own, and poll() hands out what any of them
// read, ConsumedMessage::cluster naming where. Such a producer stores every acknowledged
// message in exactly one cluster, so reading all of them misses none, whichever cluster it
// used when; per-partition order holds within each cluster. A cluster that is down gives
// nothing until it is back (its consumer retries) while the others go on.
//
// Commits are per cluster and cover what poll() returned (at-least-once, as Consumer's):
// with enable_auto_commit every auto_commit_interval_ms, before partitions are given up and
// at close(); commitSync() on demand. A cluster's consumer reads its next batch only after
// poll() handed out the previous one, so at most one batch per cluster waits in memory.
//
// Requires group_id and clusters (not bootstrap_brokers/metaserver). Thread-safe.
class ClusterConsumer {
 public:
  // Checks the configuration (Error(INVALID_CONFIG) naming the property); reading starts at
  // subscribe().
  explicit ClusterConsumer(ConsumerConfig config);
  ~ClusterConsumer();  // close()
  ClusterConsumer(const ClusterConsumer&) = delete;
  ClusterConsumer& operator=(const ClusterConsumer&) = delete;

  // Subscribes in every cluster (once; Error(INVALID_REQUEST) the second time).
  void subscribe(const std::vector<std::string>& topics);
  // What the clusters' consumers read, waiting up to `timeout` for the first message.
  // Throws the Error that stopped a cluster's consumer for good (INVALID_CONFIG,
  // authorization); transient outages are retried and only logged.
  std::vector<ConsumedMessage> poll(std::chrono::milliseconds timeout);
  // Commits what poll() returned, in every cluster; throws the first cluster's Error (the
  // others are committed all the same).
  void commitSync();
  // Leaves every group (committing first with enable_auto_commit; a batch read but not
  // handed out is left for the next owner) and stops the threads. Idempotent.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Consumer-group administration through any broker (the coordinator), for tools such as
// `mqctl group`. Thread-safe (calls are independent).
class ConsumerGroupAdmin {
 public:
  // Throws Error(INVALID_CONFIG).
  explicit ConsumerGroupAdmin(ClientConfig config);
  ~ConsumerGroupAdmin();
  ConsumerGroupAdmin(const ConsumerGroupAdmin&) = delete;
  ConsumerGroupAdmin& operator=(const ConsumerGroupAdmin&) = delete;

  // Every group: id, state, generation, active members, assignor.
  std::vector<rpc::GroupSummary> listGroups();
  // State, generation, assignor, leader, members (client id, host, assignment) and every
  // committed offset. An unknown group comes back with state "Dead".
  rpc::GroupDescription describeGroup(const std::string& group_id);
  // The committed offsets of `partitions` (-1: none), or every committed offset.
  std::vector<rpc::CommittedOffset> committedOffsets(
      const std::string& group_id, const std::vector<TopicPartition>& partitions = {});
  // Sets committed offsets (an admin commit, generation -1), atomically. Refused with
  // Error(GROUP_NOT_EMPTY) while the group has active members: stop them first.
  void resetOffsets(const std::string& group_id, const std::map<TopicPartition, int64_t>& offsets);
  // Deletes a group without members and its committed offsets. Throws
  // Error(UNKNOWN_GROUP) or Error(GROUP_NOT_EMPTY).
  void deleteGroup(const std::string& group_id);

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

// A lag alert rule (see docs/lag-and-alerts.md).
struct NewAlert {
  std::string name;  // unique; 1-128 characters from [A-Za-z0-9._-]
  std::string group_id;
  std::string topic;        // empty: every topic of the group
  std::string kind;         // lag_messages, lag_seconds or status
  int64_t threshold = 0;    // messages (lag_messages) or seconds (lag_seconds)
  int64_t for_ms = 0;       // how long the condition must hold before the alert fires
  std::string webhook_url;  // http://... to POST firing and resolved events to; may be empty
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
  // Fails datanode `name` over to its replica at host:port (docs/operations.md): fences it,
  // waits for the replica to catch up, promotes it and repoints the datanode. timeout_ms
  // (0 = 60 s) bounds the wait: give this client a request_timeout_ms above it. Not retried
  // by the client (call it again after a TIMEOUT: it resumes).
  rpc::FailoverDatanodeResponse failoverDatanode(const std::string& name, const std::string& host,
                                                 int port, int64_t timeout_ms = 0);
  // Registers host:port as a replica of the datanode's primary (automatic failover may
  // promote it), or forgets one. Throws MqError (INVALID_REQUEST naming the problem).
  rpc::DatanodeInfo addDatanodeReplica(const std::string& name, const std::string& host, int port);
  rpc::DatanodeInfo removeDatanodeReplica(const std::string& name, const std::string& host,
                                          int port);
  // Makes a server restored from a mariadb-backup of the datanode's primary replicate it
  // from the backup's GTID position and registers it (MetaService rebuildDatanodeReplica).
  // Waits up to request.timeout_ms: give this client a request_timeout_ms above it. Not
  // retried.
  rpc::DatanodeInfo rebuildDatanodeReplica(rpc::RebuildReplicaRequest request);
  std::vector<rpc::BrokerInfo> listBrokers();
  // The cluster's name (the metaserver's cluster-name; docs/multi-cluster.md). A metaserver
  // older than the call fails it with an Error.
  std::string clusterName();
  // The peer clusters the metaserver is configured with and whether each answered its last
  // check (docs/multi-cluster.md, "Peer clusters").
  std::vector<rpc::PeerClusterInfo> listPeerClusters();

  // --- Broker ---
  // One answer per query, in query order. Throws the first partition's error (e.g.
  // UNKNOWN_TOPIC) after retrying retriable ones.
  std::vector<PartitionOffsets> listOffsets(const std::vector<OffsetQuery>& queries);
  // Earliest and end offsets of every partition of `topic`, by partition. Throws
  // Error(UNKNOWN_TOPIC) "unknown topic `x`".
  std::vector<PartitionOffsets> topicOffsets(const std::string& topic);
  // Topology as a broker caches it (empty `topics` = all topics) and the live brokers.
  rpc::MetadataResponse metadata(const std::vector<std::string>& topics = {});

  // --- Consumer lag alerts (MetaService; docs/lag-and-alerts.md; admin_alerts.cc) ---
  // Throws Error(INVALID_REQUEST) naming what is wrong (also a name that is taken).
  rpc::AlertRule createAlert(const NewAlert& alert);
  std::vector<rpc::AlertRule> listAlerts();
  // Throws Error(INVALID_REQUEST) when there is no such alert.
  void deleteAlert(const std::string& name);
  // Newest first; every alert's when `alert_name` is empty; limit 0 = 100 (at most 1000).
  std::vector<rpc::AlertEvent> listAlertEvents(const std::string& alert_name = "", int limit = 0);

  // --- Retention and partition lifecycle (MetaService; docs/retention-and-lifecycle.md;
  //     admin_lifecycle.cc) ---
  // Sets the limits that are given (nullopt: unchanged). retention_ms > 0; bytes and
  // messages are per partition, 0 = no limit.
  rpc::TopicRetention setRetention(const std::string& topic, std::optional<int64_t> retention_ms,
                                   std::optional<int64_t> retention_bytes = std::nullopt,
                                   std::optional<int64_t> retention_messages = std::nullopt);
  // Retention and every partition's state and offsets.
  rpc::TopicLifecycle describeTopicLifecycle(const std::string& topic);
  // read_only: producers skip the partition (keyed messages for it fail with
  // PARTITION_READ_ONLY); false makes it writable again. Throws for a retired partition.
  rpc::PartitionLifecycle setPartitionReadOnly(const std::string& topic, int partition,
                                               bool read_only);
  // Appends a replacement partition on `target_datanode` ("" = placement chooses) and makes
  // `partition` read-only; it is retired once every group consumed it.
  rpc::MigratePartitionResponse migratePartition(const std::string& topic, int partition,
                                                 const std::string& target_datanode = "");
  // Without force, refused (GROUP_NOT_EMPTY) while groups consume the topic. Its tables are
  // dropped after the metaserver's grace period.
  rpc::DeleteTopicResponse deleteTopic(const std::string& name, bool force);
  // Migrates every partition off the datanode; it is decommissioned once they are retired.
  rpc::DatanodeLifecycle decommissionDatanode(const std::string& name);
  std::vector<rpc::DatanodeLifecycle> listDatanodeLifecycle();
  // Committed offsets moved by retention, newest first; "" = any group / topic; limit 0 = 100.
  std::vector<rpc::OffsetResetEvent> listOffsetResetEvents(const std::string& group_id = "",
                                                           const std::string& topic = "",
                                                           int limit = 0);

  // --- Failed messages: retry and dead-letter topics (MetaService; docs/dead-letters.md;
  //     admin_dead_letters.cc) ---
  // The group's retry and dead-letter topics for `topic`, created when missing.
  rpc::DeadLetterTopics ensureDeadLetterTopics(const std::string& group_id,
                                               const std::string& topic);
  // Every (group, topic) pair with its counts; "" = every group.
  std::vector<rpc::DeadLetterSummary> listDeadLetters(const std::string& group_id = "");
  // Up to max_messages (0 = 20, at most 1000) dead letters from from_offset (-1 = earliest).
  // Throws Error(UNKNOWN_TOPIC) when the pair has no dead-letter topic.
  rpc::DeadLetterPage showDeadLetters(const std::string& group_id, const std::string& topic,
                                      int64_t from_offset = -1, int max_messages = 0);
  // Produces the dead letter at `offset` (nullopt: every stored one) again, to the original
  // topic (target "original") or the group's retry topic ("retry"). Not retried by the
  // client (a replay is not idempotent).
  rpc::ReplayDeadLettersResponse replayDeadLetters(const std::string& group_id,
                                                   const std::string& topic,
                                                   std::optional<int64_t> offset,
                                                   const std::string& target = "original");
  // Removes every stored dead letter of the pair.
  rpc::PurgeDeadLettersResponse purgeDeadLetters(const std::string& group_id,
                                                 const std::string& topic);

  // --- Access control (MetaService; docs/security.md; admin_access.cc) ---
  // Issues a token; the response's secret is shown once and never again. Throws
  // Error(INVALID_REQUEST) for a bad or taken name.
  rpc::CreateTokenResponse createToken(const std::string& name, const std::string& team,
                                       const std::string& description = "");
  // Tokens (never their secrets), by name; team "" = every team.
  std::vector<rpc::AccessToken> listTokens(const std::string& team = "");
  // Brokers refuse the token within their auth-refresh. Error(INVALID_REQUEST) if unknown.
  void revokeToken(const std::string& name);
  rpc::AclEntry grantAcl(const rpc::AclEntry& entry);
  // Error(INVALID_REQUEST) when there is no such grant.
  void revokeAcl(const rpc::AclEntry& entry);
  std::vector<rpc::AclEntry> listAcls();

  // --- Rate quotas (MetaService; docs/security.md#quotas; admin_quotas.cc) ---
  // Creates or replaces the quota of entry's (entity_type, entity_name); brokers apply it
  // within their auth-refresh. Error(INVALID_REQUEST) naming a bad field.
  rpc::QuotaEntry setQuota(const rpc::QuotaEntry& entry);
  std::vector<rpc::QuotaEntry> listQuotas();
  // Error(INVALID_REQUEST) when there is no such quota.
  void removeQuota(const std::string& entity_type, const std::string& entity_name);

 private:
  // One MetaService call with the retry rules above (for admin_alerts.cc).
  void metaCall(const std::function<void(rpc::MetaServiceClient&)>& call, bool idempotent);
  rpc::RequestHeader metaHeader() const;

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq
