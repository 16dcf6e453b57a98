// Consumer::Impl: group membership on the application's thread (subscribe, joins,
// revocation, the listener) and commits (sync, async, auto-commit).
#include "client/consumer_impl.h"

namespace mq::client {

void Consumer::Impl::subscribe(const std::vector<std::string>& topics,
                               RebalanceListener* listener) {
  if (!hasGroup()) throw noGroup();
  if (!subscribed_ && !assigned_.empty()) {
    throw invalidRequest("subscribe() after assign(); assign({}) first");
  }
  std::vector<std::string> sorted;
  for (const auto& topic : topics) {
    if (auto problem = topicNameProblem(topic)) {
      throw Error(ErrorCode::INVALID_TOPIC_NAME, *problem, false);
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
    throw Error(ErrorCode::REBALANCE_IN_PROGRESS,
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
    throw Error(clientCode(response.error), response.error_message);
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
      (error->code() == ErrorCode::ILLEGAL_GENERATION ||
       error->code() == ErrorCode::REBALANCE_IN_PROGRESS)) {
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

}  // namespace mq::client
