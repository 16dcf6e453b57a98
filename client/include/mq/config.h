// The mq client library's configuration: ClientConfig and what the producer and the consumer
// add to it (part of mq/client.h).
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

#include "mq/dead_letter_headers.h"
#include "mq/error.h"
#include "mq/lane.h"
#include "mq/tls_config.h"

namespace mq::client {

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
  // A synchronous send() sends its message on the calling thread when its partition has no
  // batch in flight, instead of handing it to a sender thread and being woken by it: two
  // thread hand-offs fewer per message (docs/perf.md). Other messages ready then go in the
  // same request, and their delivery callbacks run on the calling thread.
  bool send_on_caller = true;
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

}  // namespace mq::client
