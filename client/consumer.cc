// mq::Consumer: positions per partition, one long-poll Fetch per poll() covering every
// fetchable partition, and auto_offset_reset. Partitions come from assign() or, as a group
// member, from the group: GroupMembership runs the protocol in the background, and the
// consumer applies its results on the application's thread (listener calls, committed
// offsets, auto-commit, revocation). Consumer::Impl is declared in consumer_impl.h.
#include <unistd.h>

#include "client/consumer_impl.h"

namespace mq::client {

void Consumer::Impl::validateConsumerConfig(const ConsumerConfig& config) {
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

Error Consumer::Impl::invalidRequest(const std::string& message) {
  return Error(ErrorCode::INVALID_REQUEST, message, false);
}

int64_t Consumer::Impl::msUntil(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return std::max<int64_t>(0, left.count());
}

std::string Consumer::Impl::hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string Consumer::Impl::listPartitions(const std::vector<TopicPartition>& partitions) {
  std::string text;
  for (const auto& tp : partitions) text += (text.empty() ? "" : ",") + tp.toString();
  return text;
}

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

std::vector<ConsumedMessage> Consumer::Impl::poll(std::chrono::milliseconds timeout) {
  if (closed_) throw Error(ErrorCode::SHUTTING_DOWN, "the consumer is closed", false);
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

}  // namespace mq::client
