// The mq client library's Consumer, ClusterConsumer and ConsumerGroupAdmin (part of
// mq/client.h).
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

#include "mq/admin_records.h"
#include "mq/config.h"
#include "mq/records.h"

namespace mq::client {

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
  std::vector<GroupSummary> listGroups();
  // State, generation, assignor, leader, members (client id, host, assignment) and every
  // committed offset. An unknown group comes back with state "Dead".
  GroupDescription describeGroup(const std::string& group_id);
  // The committed offsets of `partitions` (-1: none), or every committed offset.
  std::vector<CommittedOffset> committedOffsets(const std::string& group_id,
                                                const std::vector<TopicPartition>& partitions = {});
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

}  // namespace mq::client
