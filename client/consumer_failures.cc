// Consumer::Impl: failed messages (ConsumerConfig.failed_messages): nack(), retries in
// place or through the retry topics, dead-lettering, and the commit floor they set.
#include "client/consumer_impl.h"

namespace mq::client {

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

}  // namespace mq::client
