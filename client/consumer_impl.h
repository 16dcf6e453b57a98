// Consumer::Impl, the state behind mq::Consumer, split by concern over four files:
// consumer.cc (positions, seek, poll, close and the public class), consumer_fetch.cc (resets,
// committed offsets at start, the Fetch round), consumer_group.cc (group membership and
// commits) and consumer_failures.cc (nack, retry and dead-letter routing). Internal: not
// installed, included by those files only.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "client/assignors/assignor.h"
#include "client/cluster.h"
#include "client/error.h"
#include "client/failure_router.h"
#include "client/group_membership.h"
#include "client/group_rpc.h"
#include "client/list_offsets.h"
#include "client/offset_committer.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "mq/client.h"

namespace mq::client {

class Consumer::Impl {
 public:
  // Helpers of the four files, members so that nothing outside the consumer sees them.
  // Throws INVALID_CONFIG naming the first setting that is wrong.
  static void validateConsumerConfig(const ConsumerConfig& config);
  static Error invalidRequest(const std::string& message);
  // Milliseconds left until `deadline`, never negative.
  static int64_t msUntil(SteadyClock::time_point deadline);
  static std::string hostName();
  // "orders-0,orders-1": partitions for log lines.
  static std::string listPartitions(const std::vector<TopicPartition>& partitions);

  explicit Impl(ConsumerConfig config)
      : config_((validateConsumerConfig(config), std::move(config))),
        cluster_(config_),
        group_rpc_(cluster_) {}

  ~Impl() { close(); }

  void assign(const std::vector<TopicPartition>& partitions) {
    if (subscribed_) throw invalidRequest("assign() after subscribe(); unsubscribe() first");
    std::map<TopicPartition, PartitionState> next;
    for (const auto& tp : partitions) {
      if (auto problem = topicNameProblem(tp.topic)) {
        throw Error(ErrorCode::INVALID_TOPIC_NAME, *problem, false);
      }
      if (tp.partition < 0) {
        throw invalidRequest(fmt::format("partition {} is negative", tp.partition));
      }
      auto it = assigned_.find(tp);
      next[tp] = it != assigned_.end() ? it->second : initialState();
    }
    assigned_ = std::move(next);
  }

  std::vector<TopicPartition> assignment() const {
    std::vector<TopicPartition> result;
    for (const auto& entry : assigned_) result.push_back(entry.first);
    return result;
  }

  void subscribe(const std::vector<std::string>& topics, RebalanceListener* listener);
  std::vector<std::string> subscription() const { return subscription_; }
  void unsubscribe();
  ConsumerGroupMetadata groupMetadata() const;

  void commitSync(const std::optional<OffsetCommitter::Offsets>& offsets,
                  const std::optional<ConsumerGroupMetadata>& as_of);
  void commitAsync(const std::optional<OffsetCommitter::Offsets>& offsets, CommitCallback callback);
  std::map<TopicPartition, int64_t> committed(const std::vector<TopicPartition>& partitions);

  void seek(const TopicPartition& tp, int64_t offset) {
    if (offset < 0)
      throw invalidRequest(fmt::format("cannot seek {} to {}", tp.toString(), offset));
    PartitionState& state = stateOf(tp);
    state.position = offset;
    state.pending_reset.reset();
    state.needs_committed = false;
  }

  void seekTo(const std::vector<TopicPartition>& partitions, OffsetSpec spec) {
    auto targets = partitions.empty() ? assignment() : partitions;
    for (const auto& tp : targets) stateOf(tp);  // all assigned, or nothing changes
    for (const auto& tp : targets) {
      PartitionState& state = stateOf(tp);
      state.position.reset();
      state.pending_reset = spec;
      state.needs_committed = false;
    }
  }

  void setPaused(const std::vector<TopicPartition>& partitions, bool paused) {
    for (const auto& tp : partitions) stateOf(tp);
    for (const auto& tp : partitions) stateOf(tp).paused = paused;
  }

  std::vector<TopicPartition> paused() const {
    std::vector<TopicPartition> result;
    for (const auto& [tp, state] : assigned_) {
      if (state.paused) result.push_back(tp);
    }
    return result;
  }

  int64_t position(const TopicPartition& tp) {
    PartitionState& state = stateOf(tp);
    const auto deadline =
        SteadyClock::now() + std::chrono::milliseconds(config_.request_timeout_ms);
    if (state.needs_committed) resolveCommitted(deadline, /*throw_errors=*/true);
    if (state.pending_reset) resolveResets(deadline, /*throw_retriable=*/true);
    if (!state.position) throw noPosition(tp);
    return *state.position;
  }

  std::vector<ConsumedMessage> poll(std::chrono::milliseconds timeout);
  std::optional<Error> lastPollIncomplete() const { return incomplete_; }

  void close();

 private:
  struct PartitionState {
    std::optional<int64_t> position;
    std::optional<OffsetSpec> pending_reset;  // resolve with ListOffsets before fetching
    bool needs_committed = false;             // read the group's committed offset first
    bool paused = false;
    std::optional<int64_t> committed;  // the position last committed by this consumer
    // The last message read: while the position is right after it, fetches carry its append
    // time, and the broker checks that a database crash has not taken it back since
    // (the log-divergence check, docs/operations.md "Messages a crash took back").
    struct LastRead {
      int64_t offset;
      int64_t append_time_ms;
    };
    std::optional<LastRead> last_read;
    // The check for a fetch or commit at `offset`: the append time of the message before it,
    // when that is the last one read.
    std::optional<int64_t> checkBefore(int64_t offset) const {
      if (last_read && last_read->offset + 1 == offset) return last_read->append_time_ms;
      return std::nullopt;
    }
    // keep_order: a failed message is retried in place; nothing is fetched until then.
    std::optional<SteadyClock::time_point> held_until;
    bool held() const { return held_until && SteadyClock::now() < *held_until; }
  };

  bool hasGroup() const { return !config_.group_id.empty(); }

  PartitionState initialState() const {
    PartitionState state;
    if (hasGroup()) {
      state.needs_committed = true;
    } else if (auto spec = resetSpec()) {
      state.pending_reset = *spec;
    }
    return state;
  }

  std::optional<OffsetSpec> resetSpec() const {
    switch (config_.auto_offset_reset) {
      case OffsetReset::kEarliest:
        return OffsetSpec::kEarliest;
      case OffsetReset::kLatest:
        return OffsetSpec::kLatest;
      case OffsetReset::kNone:
        return std::nullopt;
    }
    return std::nullopt;
  }

  PartitionState& stateOf(const TopicPartition& tp) {
    auto it = assigned_.find(tp);
    if (it == assigned_.end())
      throw invalidRequest(fmt::format("{} is not assigned", tp.toString()));
    return it->second;
  }

  Error noPosition(const TopicPartition& tp) const {
    return Error(ErrorCode::OFFSET_OUT_OF_RANGE,
                 fmt::format("no position for {} (and no committed offset) and "
                             "auto_offset_reset is none; seek() first",
                             tp.toString()),
                 false);
  }

  Error noGroup() const {
    return invalidConfig(
        "set ConsumerConfig.group_id to use consumer groups and committed offsets");
  }

  // Resolves pending seekToBeginning/End (and initial resets) with one ListOffsets call.
  // Non-retriable partition errors throw; retriable ones stay pending (and throw only with
  // throw_retriable).
  void resolveResets(SteadyClock::time_point deadline, bool throw_retriable);
  // Reads the group's committed offsets of the partitions that need one; a partition
  // without one falls back to auto_offset_reset. Failures leave them pending (and throw
  // with throw_errors).
  void resolveCommitted(SteadyClock::time_point deadline, bool throw_errors);

  // One Fetch; appends messages to *out and advances positions. Returns true when the
  // broker answered without anything to act on (so waiting longer is pointless), false
  // when something needs another round (a reset, a retriable partition error).
  bool fetchOnce(SteadyClock::time_point deadline, std::vector<ConsumedMessage>* out,
                 bool* had_retriable_errors);
  bool anyFetchable() const;

  // --- failed messages (ConsumerConfig.failed_messages) ---
  FailureRouter& router();
  // Waits for the republishes of failed messages; a partition whose republish failed goes
  // back to that message. Called before anything is committed.
  void settleFailures();
  // Lowers each offset to the partition's lowest failed-and-not-redelivered message.
  void clampToFailures(OffsetCommitter::Offsets& offsets) const;

  // --- group membership (application thread) ---
  // Applies what the background thread learned: fatal errors, lost partitions, a
  // completed join; auto-commits; starts a join when one is needed.
  void driveGroup();
  void startJoin();
  void applyJoined(const JoinedGeneration& joined);
  // Gives partitions up: commit (auto-commit; not when lost), listener, forget.
  void givePartitionsUp(const std::vector<TopicPartition>& partitions, bool lost);
  // Commits as this consumer's current identity, once more as the next generation if our
  // own rejoin overtook the commit; returns the error (unset on success). Throws
  // REBALANCE_IN_PROGRESS when not in a generation.
  std::optional<Error> commitAsMember(const OffsetCommitter::Offsets& offsets);
  bool cooperative(const std::string& protocol) const;
  void maybeAutoCommit();
  OffsetCommitter::Offsets currentPositions(const std::vector<TopicPartition>& partitions) const;
  // The log-divergence checks of `offsets`: for each one right after the last message read.
  OffsetCommitter::Checks checksOf(const OffsetCommitter::Offsets& offsets) const;
  OffsetCommitter& committer();
  // Runs the callbacks of finished async commits and reacts to refusals.
  void deliverCommitOutcomes();
  void noteCommitted(const OffsetCommitter::Offsets& offsets);
  void reactToRefusedCommit(const Error& error, int generation);
  ConsumerGroupMetadata commitIdentity() const;

  const ConsumerConfig config_;
  Cluster cluster_;
  GroupRpc group_rpc_;
  std::map<TopicPartition, PartitionState> assigned_;
  bool closed_ = false;
  // The last retriable error that kept the current/last poll() from reading a partition.
  std::optional<Error> incomplete_;

  bool subscribed_ = false;
  std::vector<std::string> subscription_;
  RebalanceListener* listener_ = nullptr;
  std::unique_ptr<OffsetCommitter> committer_;
  std::unique_ptr<GroupMembership> membership_;
  std::string protocol_;                          // of the generation applied last
  std::vector<TopicPartition> previously_owned_;  // revoked before the join in flight
  bool join_wanted_ = false;                      // e.g. after a cooperative revocation
  SteadyClock::time_point next_auto_commit_;

  std::unique_ptr<FailureRouter> router_;  // with failed_messages, from subscribe()
  // A message whose republish failed, per partition: no commit may pass it until poll()
  // returns it again.
  std::map<TopicPartition, int64_t> failure_floor_;
  // keep_order: the message being retried in place, per partition, and its failures.
  struct HeldFailure {
    int64_t offset = 0;
    FailureHistory history;
    bool redelivered = false;  // poll() returned it again after the delay
  };
  std::map<TopicPartition, HeldFailure> held_failures_;

 public:
  bool nack(const ConsumedMessage& message, const std::string& error);
  size_t pollAndHandle(std::chrono::milliseconds timeout, const MessageHandler& handler);
};

}  // namespace mq::client
