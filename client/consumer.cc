// mq::Consumer: positions per partition, one long-poll Fetch per poll() covering every
// fetchable partition, and auto_offset_reset. Partitions come from assign() or, as a group
// member, from the group: GroupMembership runs the protocol in the background, and this
// file applies its results on the application's thread (listener calls, committed
// offsets, auto-commit, revocation).
#include <fmt/format.h>
#include <unistd.h>

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

namespace mq {

namespace {

void validateConsumerConfig(const ConsumerConfig& config) {
  validateClientConfig(config);
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw invalidConfig(message);
  };
  if (!config.lane.empty()) {
    if (auto problem = laneProblem(config.lane, /*allow_all=*/true)) require(false, *problem);
  }
  require(config.max_poll_messages >= 1, "max_poll_messages must be >= 1");
  require(config.fetch_max_bytes >= 1 && config.fetch_max_bytes <= (1LL << 30),
          "fetch_max_bytes must be 1..1073741824");
  require(config.group_id.size() <= 255, "group_id must be at most 255 characters");
  require(config.group_instance_id.empty() || !config.group_id.empty(),
          "group_instance_id needs a group_id");
  require(config.group_instance_id.size() <= 255,
          "group_instance_id must be at most 255 characters");
  require(
      config.session_timeout_ms >= 1000 && config.session_timeout_ms <= 300000,
      fmt::format("session_timeout_ms must be 1000..300000 (is {})", config.session_timeout_ms));
  require(
      config.heartbeat_interval_ms >= 1 && config.heartbeat_interval_ms < config.session_timeout_ms,
      fmt::format("heartbeat_interval_ms must be 1..session_timeout_ms-1 (is {})",
                  config.heartbeat_interval_ms));
  require(
      config.rebalance_timeout_ms >= 0 && config.rebalance_timeout_ms <= 600000,
      fmt::format("rebalance_timeout_ms must be 0..600000 (is {})", config.rebalance_timeout_ms));
  require(config.max_poll_interval_ms >= 1, "max_poll_interval_ms must be >= 1");
  require(config.auto_commit_interval_ms >= 1, "auto_commit_interval_ms must be >= 1");
  require(!config.assignors.empty(), "assignors must name at least one assignor");
  std::set<std::string> seen;
  for (const auto& name : config.assignors) {
    require(makeAssignor(name) != nullptr,
            fmt::format("unknown assignor `{}` in assignors (known: cooperative-sticky, sticky, "
                        "range, roundrobin)",
                        name));
    require(seen.insert(name).second, fmt::format("assignor `{}` is listed twice", name));
  }
  const FailedMessagePolicy& failed = config.failed_messages;
  if (failed.enabled) {
    require(!config.group_id.empty(), "failed_messages needs a group_id");
    require(!config.metaserver.empty(),
            "failed_messages needs a metaserver (it creates the retry and dead-letter topics)");
    require(failed.retry_backoff_ms.size() <= 100,
            fmt::format("failed_messages.retry_backoff_ms has {} entries; at most 100",
                        failed.retry_backoff_ms.size()));
    constexpr int64_t kMaxBackoffMs = 90LL * 24 * 3600 * 1000;
    for (size_t i = 0; i < failed.retry_backoff_ms.size(); ++i) {
      const int64_t delay = failed.retry_backoff_ms[i];
      require(delay >= 0 && delay <= kMaxBackoffMs,
              fmt::format("failed_messages.retry_backoff_ms[{}] must be 0..{} (90 days), is {}", i,
                          kMaxBackoffMs, delay));
    }
  }
}

Error invalidRequest(const std::string& message) {
  return Error(rpc::ErrorCode::INVALID_REQUEST, message, false);
}

int64_t msUntil(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return std::max<int64_t>(0, left.count());
}

std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string listPartitions(const std::vector<TopicPartition>& partitions) {
  std::string text;
  for (const auto& tp : partitions) text += (text.empty() ? "" : ",") + tp.toString();
  return text;
}

}  // namespace

bool parseOffsetReset(const std::string& text, OffsetReset* reset) {
  if (text == "earliest") {
    *reset = OffsetReset::kEarliest;
  } else if (text == "latest") {
    *reset = OffsetReset::kLatest;
  } else if (text == "none") {
    *reset = OffsetReset::kNone;
  } else {
    return false;
  }
  return true;
}

class Consumer::Impl {
 public:
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
        throw Error(rpc::ErrorCode::INVALID_TOPIC_NAME, *problem, false);
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
    return Error(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
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

// --- failed messages -------------------------------------------------------------------

FailureRouter& Consumer::Impl::router() {
  if (!config_.failed_messages.enabled) {
    throw invalidConfig(
        "failed messages are off: set ConsumerConfig.failed_messages.enabled to use "
        "nack() and handlers");
  }
  if (!router_) router_ = std::make_unique<FailureRouter>(config_);
  return *router_;
}

void Consumer::Impl::settleFailures() {
  if (!router_ || !router_->pending()) return;
  for (const auto& [tp, offset] : router_->settle()) {
    auto it = assigned_.find(tp);
    if (it == assigned_.end()) continue;  // not ours any more: never committed past it by us
    auto floor = failure_floor_.find(tp);
    if (floor == failure_floor_.end()) {
      failure_floor_[tp] = offset;
    } else {
      floor->second = std::min(floor->second, offset);
    }
    if (it->second.position && *it->second.position > offset) it->second.position = offset;
  }
}

void Consumer::Impl::clampToFailures(OffsetCommitter::Offsets& offsets) const {
  for (auto& [tp, offset] : offsets) {
    auto floor = failure_floor_.find(tp);
    if (floor != failure_floor_.end()) offset = std::min(offset, floor->second);
    auto held = held_failures_.find(tp);
    if (held != held_failures_.end() && !held->second.redelivered) {
      offset = std::min(offset, held->second.offset);
    }
  }
}

bool Consumer::Impl::nack(const ConsumedMessage& message, const std::string& error) {
  FailureRouter& failures = router();
  const TopicPartition tp{message.topic, message.partition};
  PartitionState& state = stateOf(tp);  // INVALID_REQUEST when not owned
  if (!config_.failed_messages.keep_order) {
    failures.publish(message, failures.historyOf(message), error);
    return false;
  }
  // Strict order: retry in place. The attempt count lives here (in memory).
  auto held = held_failures_.find(tp);
  FailureHistory history = held != held_failures_.end() && held->second.offset == message.offset
                               ? held->second.history
                               : failures.historyOf(message);
  const auto& schedule = config_.failed_messages.retry_backoff_ms;
  if (static_cast<size_t>(history.failures) >= schedule.size()) {
    failures.publishDeadLetter(message, history, error);
    held_failures_.erase(tp);
    state.held_until.reset();
    return false;  // the partition moves on; commits wait for the dead letter (settle)
  }
  const int64_t now = nowMs();
  const Headers headers =
      failureHeaders(message, history, config_.group_id, error, now, /*dead=*/false);
  history.first_failure_ms = std::stoll(headers.at(dead_letter::kFirstFailureMs));
  history.error_history = headers.at(dead_letter::kErrorHistory);
  const int64_t delay = schedule[static_cast<size_t>(history.failures)];
  history.failures += 1;
  held_failures_[tp] = HeldFailure{message.offset, history, false};
  state.position = message.offset;
  state.held_until = SteadyClock::now() + std::chrono::milliseconds(delay);
  return true;
}

size_t Consumer::Impl::pollAndHandle(std::chrono::milliseconds timeout,
                                     const MessageHandler& handler) {
  router();  // INVALID_CONFIG when failed messages are off
  auto messages = poll(timeout);
  std::set<TopicPartition> skipped;  // keep_order: a failure sends the partition back
  size_t handled = 0;
  for (const auto& message : messages) {
    const TopicPartition tp{message.topic, message.partition};
    if (skipped.count(tp)) continue;
    std::optional<std::string> failure;
    try {
      handler(message);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    ++handled;
    if (!failure) continue;
    if (nack(message, *failure)) skipped.insert(tp);  // held: the rest comes again
  }
  return handled;
}

// --- group membership ---------------------------------------------------------------

void Consumer::Impl::subscribe(const std::vector<std::string>& topics,
                               RebalanceListener* listener) {
  if (!hasGroup()) throw noGroup();
  if (!subscribed_ && !assigned_.empty()) {
    throw invalidRequest("subscribe() after assign(); assign({}) first");
  }
  std::vector<std::string> sorted;
  for (const auto& topic : topics) {
    if (auto problem = topicNameProblem(topic)) {
      throw Error(rpc::ErrorCode::INVALID_TOPIC_NAME, *problem, false);
    }
    sorted.push_back(topic);
  }
  if (sorted.empty()) throw invalidRequest("subscribe() needs at least one topic");
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (config_.failed_messages.enabled) {
    // The group's retry topics are consumed like the topics themselves (non-blocking).
    auto retry_topics = router().prepare(sorted);
    if (!config_.failed_messages.keep_order) {
      sorted.insert(sorted.end(), retry_topics.begin(), retry_topics.end());
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    }
  }
  listener_ = listener;
  if (subscribed_ && sorted == subscription_) return;
  subscription_ = sorted;
  if (!membership_) {
    GroupSettings settings;
    settings.group_id = config_.group_id;
    if (!config_.group_instance_id.empty()) settings.instance_id = config_.group_instance_id;
    settings.session_timeout_ms = config_.session_timeout_ms;
    settings.heartbeat_interval_ms = config_.heartbeat_interval_ms;
    settings.rebalance_timeout_ms = config_.rebalance_timeout_ms;
    settings.max_poll_interval_ms = config_.max_poll_interval_ms;
    settings.metadata_refresh_ms = config_.metadata_refresh_ms;
    settings.request_timeout_ms = config_.request_timeout_ms;
    settings.assignors = config_.assignors;
    settings.client_host = config_.client_host.empty() ? hostName() : config_.client_host;
    membership_ = std::make_unique<GroupMembership>(group_rpc_, cluster_, settings);
    next_auto_commit_ =
        SteadyClock::now() + std::chrono::milliseconds(config_.auto_commit_interval_ms);
  }
  subscribed_ = true;
  join_wanted_ = true;  // a changed subscription is a changed member: rejoin
}

void Consumer::Impl::unsubscribe() {
  if (!subscribed_) return;
  settleFailures();
  givePartitionsUp(assignment(), /*lost=*/false);
  committer().drain();
  deliverCommitOutcomes();
  membership_->stop(/*leave=*/true);
  membership_.reset();
  subscribed_ = false;
  subscription_.clear();
  listener_ = nullptr;
  protocol_.clear();
  previously_owned_.clear();
}

ConsumerGroupMetadata Consumer::Impl::groupMetadata() const {
  if (membership_) return membership_->identity();
  ConsumerGroupMetadata identity;
  identity.group_id = config_.group_id;
  identity.group_instance_id = config_.group_instance_id;
  return identity;
}

ConsumerGroupMetadata Consumer::Impl::commitIdentity() const {
  ConsumerGroupMetadata identity = groupMetadata();
  if (subscribed_ && identity.generation_id < 0) {
    throw Error(rpc::ErrorCode::REBALANCE_IN_PROGRESS,
                fmt::format("not a member of a generation of group `{}` right now (joining); "
                            "poll() and commit again",
                            config_.group_id),
                true);
  }
  return identity;  // assign() mode: generation -1, an admin commit
}

bool Consumer::Impl::cooperative(const std::string& protocol) const {
  auto assignor = makeAssignor(protocol);
  return assignor && assignor->protocol() == RebalanceProtocol::kCooperative;
}

OffsetCommitter& Consumer::Impl::committer() {
  if (!committer_) {
    committer_ = std::make_unique<OffsetCommitter>(group_rpc_, config_.request_timeout_ms);
  }
  return *committer_;
}

OffsetCommitter::Offsets Consumer::Impl::currentPositions(
    const std::vector<TopicPartition>& partitions) const {
  OffsetCommitter::Offsets offsets;
  for (const auto& tp : partitions) {
    auto it = assigned_.find(tp);
    if (it != assigned_.end() && it->second.position) offsets[tp] = *it->second.position;
  }
  clampToFailures(offsets);
  return offsets;
}

OffsetCommitter::Checks Consumer::Impl::checksOf(const OffsetCommitter::Offsets& offsets) const {
  OffsetCommitter::Checks checks;
  for (const auto& [tp, offset] : offsets) {
    auto it = assigned_.find(tp);
    if (it == assigned_.end()) continue;
    if (auto check = it->second.checkBefore(offset)) checks[tp] = *check;
  }
  return checks;
}

void Consumer::Impl::noteCommitted(const OffsetCommitter::Offsets& offsets) {
  for (const auto& [tp, offset] : offsets) {
    auto it = assigned_.find(tp);
    if (it != assigned_.end()) it->second.committed = offset;
  }
}

void Consumer::Impl::reactToRefusedCommit(const Error& error, int generation) {
  if (membership_) membership_->onCommitRefused(error.code(), generation, error.what());
}

void Consumer::Impl::commitSync(const std::optional<OffsetCommitter::Offsets>& offsets,
                                const std::optional<ConsumerGroupMetadata>& as_of) {
  if (!hasGroup()) throw noGroup();
  deliverCommitOutcomes();
  settleFailures();
  auto to_commit = offsets ? *offsets : currentPositions(assignment());
  clampToFailures(to_commit);
  if (to_commit.empty()) return;
  for (const auto& [tp, offset] : to_commit) {
    if (offset < 0) {
      throw invalidRequest(fmt::format("cannot commit offset {} for {}", offset, tp.toString()));
    }
  }
  if (!as_of) {
    if (auto error = commitAsMember(to_commit)) throw *error;
    return;
  }
  ConsumerGroupMetadata identity = *as_of;
  identity.group_id = config_.group_id;
  auto error = committer().commitSync(identity, to_commit, checksOf(to_commit));
  if (error) {
    reactToRefusedCommit(*error, identity.generation_id);
    throw *error;
  }
  noteCommitted(to_commit);
}

void Consumer::Impl::commitAsync(const std::optional<OffsetCommitter::Offsets>& offsets,
                                 CommitCallback callback) {
  if (!hasGroup()) throw noGroup();
  settleFailures();
  auto to_commit = offsets ? *offsets : currentPositions(assignment());
  clampToFailures(to_commit);
  OffsetCommitter::Outcome unsent;
  unsent.offsets = to_commit;
  unsent.callback = std::move(callback);
  if (to_commit.empty()) {
    committer().completeUnsent(std::move(unsent));
    return;
  }
  ConsumerGroupMetadata identity;
  try {
    identity = commitIdentity();
  } catch (const Error& e) {
    unsent.error = e;
    committer().completeUnsent(std::move(unsent));
    return;
  }
  callback = std::move(unsent.callback);
  committer().commitAsync(identity, to_commit, std::move(callback), checksOf(to_commit));
}

void Consumer::Impl::deliverCommitOutcomes() {
  if (!committer_) return;
  for (auto& outcome : committer_->takeCompleted()) {
    if (outcome.error) {
      reactToRefusedCommit(*outcome.error, outcome.generation);
    } else {
      noteCommitted(outcome.offsets);
    }
    if (outcome.callback) {
      outcome.callback(outcome.offsets, outcome.error ? &*outcome.error : nullptr);
    } else if (outcome.error) {
      logWarn("asynchronous commit failed")
          .kv("group", config_.group_id)
          .kv("error", outcome.error->what());
    }
  }
}

std::map<TopicPartition, int64_t> Consumer::Impl::committed(
    const std::vector<TopicPartition>& partitions) {
  if (!hasGroup()) throw noGroup();
  rpc::FetchOffsetsRequest request;
  request.header = cluster_.requestHeader();
  request.group_id = config_.group_id;
  std::map<std::string, std::vector<int>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  for (auto& [topic, numbers] : by_topic) {
    rpc::TopicPartitions entry;
    entry.topic = topic;
    entry.partitions = numbers;
    request.partitions.push_back(entry);
  }
  auto response = group_rpc_.fetchOffsets(request, cluster_.retryDeadline());
  if (response.error != rpc::ErrorCode::NONE) {
    throw Error(response.error, response.error_message);
  }
  std::map<TopicPartition, int64_t> result;
  for (const auto& tp : partitions) result[tp] = -1;
  for (const auto& offset : response.offsets) {
    TopicPartition tp{offset.topic, offset.partition};
    if (result.count(tp)) result[tp] = offset.offset;
  }
  return result;
}

void Consumer::Impl::maybeAutoCommit() {
  if (!config_.enable_auto_commit || !membership_ || SteadyClock::now() < next_auto_commit_) {
    return;
  }
  next_auto_commit_ =
      SteadyClock::now() + std::chrono::milliseconds(config_.auto_commit_interval_ms);
  ConsumerGroupMetadata identity = membership_->identity();
  if (identity.generation_id < 0) return;
  OffsetCommitter::Offsets changed;
  for (const auto& [tp, state] : assigned_) {
    if (state.position && state.committed != state.position) changed[tp] = *state.position;
  }
  clampToFailures(changed);
  if (changed.empty()) return;
  committer().commitAsync(identity, changed, nullptr, checksOf(changed));
}

std::optional<Error> Consumer::Impl::commitAsMember(const OffsetCommitter::Offsets& offsets) {
  ConsumerGroupMetadata identity = commitIdentity();
  const auto checks = checksOf(offsets);
  auto error = committer().commitSync(identity, offsets, checks);
  if (error && subscribed_ &&
      (error->code() == rpc::ErrorCode::ILLEGAL_GENERATION ||
       error->code() == rpc::ErrorCode::REBALANCE_IN_PROGRESS)) {
    // Our own rejoin may have completed (or be completing) while we committed. Then we
    // still own these partitions in the new generation (a cooperative assignor never gives
    // an owned partition to another member in the same rebalance; an eager member owns
    // nothing while it rejoins), so commit as that generation.
    membership_->waitUntilNotJoining(SteadyClock::now() +
                                     std::chrono::milliseconds(config_.session_timeout_ms));
    ConsumerGroupMetadata now = membership_->identity();
    if (now.generation_id >= 0 && now.generation_id != identity.generation_id) {
      identity = now;
      error = committer().commitSync(identity, offsets, checks);
    }
  }
  if (error) {
    reactToRefusedCommit(*error, identity.generation_id);
  } else {
    noteCommitted(offsets);
  }
  return error;
}

void Consumer::Impl::givePartitionsUp(const std::vector<TopicPartition>& partitions, bool lost) {
  if (partitions.empty()) return;
  if (!lost && config_.enable_auto_commit && membership_) {
    // Commit before giving them up, so their next owner starts where we stopped.
    auto offsets = currentPositions(partitions);
    std::optional<Error> error;
    try {
      if (!offsets.empty()) error = commitAsMember(offsets);
    } catch (const Error& e) {
      error = e;
    }
    if (error) {
      logWarn(
          "commit of revoked partitions failed; their next owner may consume some "
          "messages again")
          .kv("group", config_.group_id)
          .kv("partitions", listPartitions(partitions))
          .kv("error", error->what());
    }
  }
  logInfo(lost ? "partitions lost" : "partitions revoked")
      .kv("group", config_.group_id)
      .kv("partitions", listPartitions(partitions));
  struct Forget {
    Impl* self;
    const std::vector<TopicPartition>& partitions;
    ~Forget() {
      for (const auto& tp : partitions) {
        self->assigned_.erase(tp);
        self->failure_floor_.erase(tp);
        self->held_failures_.erase(tp);
      }
    }
  } forget{this, partitions};
  if (listener_) {
    if (lost) {
      listener_->onPartitionsLost(partitions);
    } else {
      listener_->onPartitionsRevoked(partitions);
    }
  }
}

void Consumer::Impl::startJoin() {
  JoinSubscription subscription;
  subscription.topics = subscription_;
  if (!cooperative(protocol_)) {
    // Eager (or first join): give up everything before rejoining.
    auto owned = assignment();
    givePartitionsUp(owned, /*lost=*/false);
    if (!owned.empty()) previously_owned_ = owned;
  } else {
    // Cooperative: keep consuming, except topics no longer subscribed.
    std::vector<TopicPartition> dropped;
    for (const auto& tp : assignment()) {
      if (!std::binary_search(subscription_.begin(), subscription_.end(), tp.topic)) {
        dropped.push_back(tp);
      }
    }
    givePartitionsUp(dropped, /*lost=*/false);
  }
  subscription.owned = assignment();
  subscription.previously_owned = previously_owned_;
  join_wanted_ = false;
  membership_->startJoin(std::move(subscription));
}

void Consumer::Impl::applyJoined(const JoinedGeneration& joined) {
  const std::set<TopicPartition> target(joined.assignment.begin(), joined.assignment.end());
  std::vector<TopicPartition> revoked;
  for (const auto& tp : assignment()) {
    if (!target.count(tp)) revoked.push_back(tp);
  }
  std::vector<TopicPartition> added;
  for (const auto& tp : target) {
    if (!assigned_.count(tp)) added.push_back(tp);
  }
  protocol_ = joined.protocol;
  previously_owned_.clear();
  givePartitionsUp(revoked, /*lost=*/false);
  // Cooperative: the partitions just revoked go to their new owners in a second
  // rebalance, which this member starts by rejoining without them.
  if (!revoked.empty() && cooperative(joined.protocol)) join_wanted_ = true;
  for (const auto& tp : added) assigned_[tp] = initialState();
  if (listener_) listener_->onPartitionsAssigned(added);
}

void Consumer::Impl::driveGroup() {
  if (auto fatal = membership_->fatal()) {
    givePartitionsUp(assignment(), /*lost=*/true);
    throw *fatal;
  }
  if (membership_->takeLost()) {
    givePartitionsUp(assignment(), /*lost=*/true);
    previously_owned_.clear();
    protocol_.clear();
  }
  if (auto joined = membership_->takeJoined()) applyJoined(*joined);
  maybeAutoCommit();
  if (!membership_->joining() && (join_wanted_ || membership_->rejoinNeeded())) startJoin();
}

// --- fetching -----------------------------------------------------------------------

void Consumer::Impl::resolveResets(SteadyClock::time_point deadline, bool throw_retriable) {
  std::vector<OffsetQuery> queries;
  for (const auto& [tp, state] : assigned_) {
    if (state.pending_reset) queries.push_back(OffsetQuery{tp, *state.pending_reset, 0});
  }
  if (queries.empty()) return;
  auto results = listOffsets(cluster_, queries, deadline);
  std::optional<Error> retriable;
  for (const auto& query : queries) {
    const auto& result = results.at(query.partition);
    if (result.error != rpc::ErrorCode::NONE) {
      Error error = partitionError(result.topic, result.partition, result.error,
                                   result.error_message, result.retriable);
      if (!error.retriable()) throw error;
      if (!retriable) retriable = error;
      incomplete_ = error;
      continue;
    }
    PartitionState& state = assigned_.at(query.partition);
    state.position = result.offset;
    state.pending_reset.reset();
  }
  if (retriable && throw_retriable) throw *retriable;
}

void Consumer::Impl::resolveCommitted(SteadyClock::time_point deadline, bool throw_errors) {
  std::vector<TopicPartition> wanted;
  for (const auto& [tp, state] : assigned_) {
    if (state.needs_committed) wanted.push_back(tp);
  }
  if (wanted.empty()) return;
  rpc::FetchOffsetsRequest request;
  request.header = cluster_.requestHeader();
  request.group_id = config_.group_id;
  std::map<std::string, std::vector<int>> by_topic;
  for (const auto& tp : wanted) by_topic[tp.topic].push_back(tp.partition);
  for (auto& [topic, numbers] : by_topic) {
    rpc::TopicPartitions entry;
    entry.topic = topic;
    entry.partitions = numbers;
    request.partitions.push_back(entry);
  }
  rpc::FetchOffsetsResponse response;
  try {
    response = group_rpc_.fetchOffsets(request, deadline);
    if (response.error != rpc::ErrorCode::NONE) {
      throw Error(response.error, response.error_message);
    }
  } catch (const Error& e) {
    if (throw_errors || !e.retriable()) throw;
    logDebug("reading committed offsets failed; will retry").kv("error", e.what());
    incomplete_ = e;
    return;
  }
  std::map<TopicPartition, const rpc::CommittedOffset*> found;
  for (const auto& offset : response.offsets) {
    found[TopicPartition{offset.topic, offset.partition}] = &offset;
  }
  for (const auto& tp : wanted) {
    PartitionState& state = assigned_.at(tp);
    state.needs_committed = false;
    auto it = found.find(tp);
    if (it != found.end() && it->second->offset >= 0) {
      const rpc::CommittedOffset& committed = *it->second;
      state.position = committed.offset;
      state.committed = committed.offset;
      // The committer's log-divergence check comes with the offset: the first fetch runs it.
      if (committed.__isset.previous_append_time_ms) {
        state.last_read =
            PartitionState::LastRead{committed.offset - 1, committed.previous_append_time_ms};
      }
    } else if (auto spec = resetSpec()) {
      state.pending_reset = *spec;
    }
  }
}

bool Consumer::Impl::anyFetchable() const {
  for (const auto& [tp, state] : assigned_) {
    if (!state.paused && !state.needs_committed && !state.held()) return true;
  }
  return false;
}

bool Consumer::Impl::fetchOnce(SteadyClock::time_point deadline, std::vector<ConsumedMessage>* out,
                               bool* had_retriable_errors) {
  rpc::FetchRequest request;
  request.header = cluster_.requestHeader();
  for (const auto& [tp, state] : assigned_) {
    if (state.paused || state.needs_committed || state.held()) continue;
    if (!state.position) {
      if (!state.pending_reset && !resetSpec()) throw noPosition(tp);
      continue;  // its reset failed retriably; tried again next round
    }
    rpc::FetchPartition partition;
    partition.topic = tp.topic;
    partition.partition = tp.partition;
    partition.offset = *state.position;
    partition.max_messages = config_.max_poll_messages;
    partition.max_bytes = static_cast<int32_t>(config_.fetch_max_bytes);
    if (auto check = state.checkBefore(*state.position)) {
      partition.__set_previous_append_time_ms(*check);
    }
    request.partitions.push_back(std::move(partition));
  }
  if (request.partitions.empty()) {
    *had_retriable_errors = true;
    return false;
  }

  rpc::FetchResponse response;
  try {
    cluster_.withBroker(
        [&](BrokerConnection& connection) {
          request.max_wait_ms = static_cast<int32_t>(std::min<int64_t>(msUntil(deadline), 1 << 30));
          connection.call([&](rpc::BrokerClient& client) { client.fetch(response, request); },
                          request.max_wait_ms);
          if (response.__isset.throttle_time_ms) {
            cluster_.reportThrottle(connection.address(), response.throttle_time_ms);
          }
        },
        deadline);
  } catch (const Error& e) {
    // Over a fetch quota: this poll ends empty-handed at its deadline; the next one fetches
    // once the broker's throttle has passed.
    if (e.code() != rpc::ErrorCode::THROTTLED) throw;
    *had_retriable_errors = true;
    return false;
  }

  // First every refusal, so that a throw leaves all positions as they were (nothing is
  // skipped; the messages of other partitions come again).
  for (const auto& result : response.results) {
    TopicPartition tp{result.topic, result.partition};
    if (result.error == rpc::ErrorCode::NONE || !assigned_.count(tp)) continue;
    if (result.__isset.diverging_offset) continue;  // not a reset: goes back (below)
    if (result.error == rpc::ErrorCode::OFFSET_OUT_OF_RANGE) {
      if (config_.auto_offset_reset == OffsetReset::kNone) {
        throw Error(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
                    fmt::format("{}: offset {} is out of range {}..{} and auto_offset_reset is "
                                "none",
                                tp.toString(), assigned_.at(tp).position.value_or(-1),
                                result.start_offset, result.end_offset),
                    false);
      }
      continue;
    }
    Error error = partitionError(result.topic, result.partition, result.error, result.error_message,
                                 result.retriable);
    if (!error.retriable()) throw error;
  }

  bool settled = true;
  for (auto& result : response.results) {
    TopicPartition tp{result.topic, result.partition};
    auto it = assigned_.find(tp);
    if (it == assigned_.end()) continue;
    PartitionState& state = it->second;
    if (result.__isset.diverging_offset) {
      // Messages this consumer read were taken back by a database crash; the ones written
      // since from that offset on are new to it: read them rather than skip them.
      logWarn("the partition's log diverged from what was read; going back")
          .kv("partition", tp.toString())
          .kv("position", state.position.value_or(-1))
          .kv("diverging_offset", result.diverging_offset)
          .kv("error", result.error_message);
      state.position = result.diverging_offset;
      state.last_read.reset();
      settled = false;
      continue;
    }
    if (result.error == rpc::ErrorCode::OFFSET_OUT_OF_RANGE) {
      logInfo("position out of range; resetting")
          .kv("partition", tp.toString())
          .kv("position", state.position.value_or(-1))
          .kv("start_offset", result.start_offset)
          .kv("end_offset", result.end_offset);
      state.position.reset();
      state.pending_reset = resetSpec();
      settled = false;
      continue;
    }
    if (result.error != rpc::ErrorCode::NONE) {
      logDebug("fetch partition error; will retry")
          .kv("partition", tp.toString())
          .kv("error", result.error_message);
      incomplete_ = partitionError(result.topic, result.partition, result.error,
                                   result.error_message, result.retriable);
      *had_retriable_errors = true;
      settled = false;
      continue;
    }
    for (auto& message : result.messages) {
      if (message.offset < *state.position) continue;  // already returned
      state.last_read = PartitionState::LastRead{message.offset, message.append_time_ms};
      if (!laneAccepts(config_.lane, message.headers)) {
        state.position = message.offset + 1;  // another lane's: consumed without returning
        continue;
      }
      ConsumedMessage consumed;
      consumed.topic = tp.topic;
      consumed.partition = tp.partition;
      consumed.offset = message.offset;
      if (message.__isset.key) consumed.key = std::move(message.key);
      consumed.value = std::move(message.value);
      consumed.headers = std::move(message.headers);
      consumed.timestamp_ms = message.timestamp_ms;
      consumed.append_time_ms = message.append_time_ms;
      state.position = message.offset + 1;
      auto floor = failure_floor_.find(tp);
      if (floor != failure_floor_.end() && message.offset >= floor->second) {
        failure_floor_.erase(floor);  // delivered again: its fate is the application's again
      }
      auto held = held_failures_.find(tp);
      if (held != held_failures_.end() && message.offset == held->second.offset) {
        held->second.redelivered = true;
      }
      out->push_back(std::move(consumed));
    }
  }
  return settled;
}

std::vector<ConsumedMessage> Consumer::Impl::poll(std::chrono::milliseconds timeout) {
  if (closed_) throw Error(rpc::ErrorCode::SHUTTING_DOWN, "the consumer is closed", false);
  if (!subscribed_ && assigned_.empty()) {
    throw invalidRequest("poll() with nothing assigned; call assign() or subscribe() first");
  }
  const auto deadline = SteadyClock::now() + std::max(timeout, std::chrono::milliseconds(0));
  if (membership_) membership_->notePoll();
  incomplete_.reset();
  deliverCommitOutcomes();
  settleFailures();  // before anything (auto-commit, revocation) can commit past a failure
  std::vector<ConsumedMessage> messages;
  for (int round = 0;; ++round) {
    const auto started = SteadyClock::now();
    if (subscribed_) {
      driveGroup();
      if (auto trouble = membership_->joinTrouble()) incomplete_ = trouble;
    }
    resolveCommitted(deadline, /*throw_errors=*/false);
    resolveResets(deadline, /*throw_retriable=*/false);
    // A group member fetches in slices so that it notices rebalances and applies their
    // results soon (quickly while a join is in flight: others may wait for this member).
    auto fetch_deadline = deadline;
    if (subscribed_) {
      auto slice = std::chrono::milliseconds(
          membership_->joining() ? 100 : std::min<int64_t>(config_.heartbeat_interval_ms, 500));
      fetch_deadline = std::min(deadline, started + slice);
    }
    if (!anyFetchable()) {
      if (SteadyClock::now() >= deadline) return messages;
      if (subscribed_) {
        membership_->waitForEvent(fetch_deadline);
      } else {
        std::this_thread::sleep_for(std::min<SteadyClock::duration>(
            std::chrono::milliseconds(config_.retry_backoff_ms), deadline - SteadyClock::now()));
      }
      continue;
    }
    bool had_retriable_errors = false;
    bool settled = fetchOnce(fetch_deadline, &messages, &had_retriable_errors);
    if (subscribed_ && membership_->partitionsGone()) {
      // The member was removed while the fetch ran: these partitions may belong to
      // others already. Drop the batch; driveGroup() gives them up next round.
      messages.clear();
      continue;
    }
    if (!messages.empty() || SteadyClock::now() >= deadline) return messages;
    // Go round again: after a reset at once; after retriable partition errors with a
    // backoff; when the broker answered at once with nothing (it should have waited) after a
    // short pause, so that poll() never becomes a busy loop.
    SteadyClock::duration pause{0};
    if (had_retriable_errors) {
      pause = cluster_.retryPolicy().backoff(std::min(round, 10));
    } else if (settled && SteadyClock::now() - started < std::chrono::milliseconds(10)) {
      pause = std::chrono::milliseconds(config_.retry_backoff_ms);
    }
    std::this_thread::sleep_for(std::min(pause, deadline - SteadyClock::now()));
  }
}

void Consumer::Impl::close() {
  if (closed_) return;
  closed_ = true;
  try {
    settleFailures();
  } catch (const std::exception& e) {
    logWarn("settling failed messages at close failed").kv("error", e.what());
  }
  if (membership_) {
    const bool was_joining = membership_->joining();
    try {
      // With auto-commit this commits the positions first.
      givePartitionsUp(assignment(), /*lost=*/membership_->fatal().has_value());
    } catch (const std::exception& e) {
      logWarn("giving up partitions at close failed").kv("error", e.what());
    }
    // A static member stays in the group so that a restart within the session timeout
    // takes its place back without a rebalance; but a join in flight is abandoned.
    membership_->stop(/*leave=*/config_.group_instance_id.empty() || was_joining);
  }
  if (committer_) {
    committer_->drain();
    try {
      deliverCommitOutcomes();
    } catch (const std::exception& e) {
      logWarn("commit callback failed at close").kv("error", e.what());
    }
  }
  membership_.reset();
  committer_.reset();
  cluster_.close();
}

// --- the public API -------------------------------------------------------------------

Consumer::Consumer(ConsumerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Consumer::~Consumer() = default;
void Consumer::assign(const std::vector<TopicPartition>& partitions) { impl_->assign(partitions); }
std::vector<TopicPartition> Consumer::assignment() const { return impl_->assignment(); }
void Consumer::subscribe(const std::vector<std::string>& topics, RebalanceListener* listener) {
  impl_->subscribe(topics, listener);
}
std::vector<std::string> Consumer::subscription() const { return impl_->subscription(); }
void Consumer::unsubscribe() { impl_->unsubscribe(); }
ConsumerGroupMetadata Consumer::groupMetadata() const { return impl_->groupMetadata(); }
void Consumer::commitSync() { impl_->commitSync(std::nullopt, std::nullopt); }
void Consumer::commitSync(const std::map<TopicPartition, int64_t>& offsets) {
  impl_->commitSync(offsets, std::nullopt);
}
void Consumer::commitSync(const std::map<TopicPartition, int64_t>& offsets,
                          const ConsumerGroupMetadata& as_of) {
  impl_->commitSync(offsets, as_of);
}
void Consumer::commitAsync(CommitCallback callback) {
  impl_->commitAsync(std::nullopt, std::move(callback));
}
void Consumer::commitAsync(const std::map<TopicPartition, int64_t>& offsets,
                           CommitCallback callback) {
  impl_->commitAsync(offsets, std::move(callback));
}
std::map<TopicPartition, int64_t> Consumer::committed(
    const std::vector<TopicPartition>& partitions) {
  return impl_->committed(partitions);
}
void Consumer::seek(const TopicPartition& tp, int64_t offset) { impl_->seek(tp, offset); }
void Consumer::seekToBeginning(const std::vector<TopicPartition>& partitions) {
  impl_->seekTo(partitions, OffsetSpec::kEarliest);
}
void Consumer::seekToEnd(const std::vector<TopicPartition>& partitions) {
  impl_->seekTo(partitions, OffsetSpec::kLatest);
}
void Consumer::pause(const std::vector<TopicPartition>& partitions) {
  impl_->setPaused(partitions, true);
}
void Consumer::resume(const std::vector<TopicPartition>& partitions) {
  impl_->setPaused(partitions, false);
}
std::vector<TopicPartition> Consumer::paused() const { return impl_->paused(); }
std::vector<ConsumedMessage> Consumer::poll(std::chrono::milliseconds timeout) {
  return impl_->poll(timeout);
}
int64_t Consumer::position(const TopicPartition& tp) { return impl_->position(tp); }
std::optional<Error> Consumer::lastPollIncomplete() const { return impl_->lastPollIncomplete(); }
bool Consumer::nack(const ConsumedMessage& message, const std::string& error) {
  return impl_->nack(message, error);
}
size_t Consumer::poll(std::chrono::milliseconds timeout, const MessageHandler& handler) {
  return impl_->pollAndHandle(timeout, handler);
}
void Consumer::close() { impl_->close(); }

}  // namespace mq
