// OutboxRelay::Impl: the publisher: sends claimed batches idempotently, resolves refusals
// and releases what cannot be sent.
#include "outbox/outbox_relay_impl.h"

using mq::client::Error;
using mq::client::TopicPartition;

namespace mq {

namespace {

// Refusals that every attempt of the same batch would get: the batch was never stored.
bool refusedOnEveryAttempt(rpc::ErrorCode::type code) {
  switch (code) {
    case rpc::ErrorCode::MESSAGE_TOO_LARGE:
    case rpc::ErrorCode::BATCH_TOO_LARGE:
    case rpc::ErrorCode::INVALID_REQUEST:
    case rpc::ErrorCode::INVALID_TOPIC_NAME:
      return true;
    default:
      return false;
  }
}

}  // namespace

void OutboxRelay::Impl::publishLoop() {
  bool ready = true;
  if (leftovers_) {
    ready = resolve(*leftovers_, {}) && finish(*leftovers_);
    if (ready) {
      int64_t rows = 0;
      for (const auto& batch : leftovers_->batches) rows += static_cast<int64_t>(batch.ids.size());
      stats_.recovered += rows;
    }
    leftovers_.reset();
  }
  // A new epoch only once nothing stamped with the old one is left: those rows could not be
  // re-sent under it any more.
  ready = ready && initIdentity();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    identity_ready_ = ready;
    if (!ready) stopping_ = true;
  }
  cv_.notify_all();
  while (ready) {
    RelayWork work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return abort_ || !to_publish_.empty() || claimer_done_; });
      if (abort_ || to_publish_.empty()) break;
      work = std::move(to_publish_.front());
      to_publish_.pop_front();
    }
    if (!resolve(work, {})) {
      std::lock_guard<std::mutex> lock(mutex_);
      --in_pipeline_;
      break;  // the rows stay claimed; the next instance (or a takeover) finishes them
    }
    bool any_written = false;
    for (const auto& batch : work.batches) {
      any_written = any_written || batch.state == RelayBatch::State::kWritten;
    }
    if (any_written && config_.after_publish_hook) config_.after_publish_hook();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      to_finish_.push_back(std::move(work));
    }
    cv_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    publisher_done_ = true;
  }
  cv_.notify_all();
}

bool OutboxRelay::Impl::resolve(RelayWork& work, const std::function<bool()>& keep_going) {
  // Lanes: the batches of one partition, in sequence order; only a lane's first pending
  // batch is sent, so a partition's batches are stored in sequence order.
  std::map<std::pair<std::string, int>, std::deque<size_t>> lanes;
  for (size_t i = 0; i < work.batches.size(); ++i) {
    lanes[{work.batches[i].wire.topic, work.batches[i].wire.partition}].push_back(i);
  }
  for (int round = 0;;) {
    std::vector<size_t> heads;
    for (auto& [tp, lane] : lanes) {
      while (!lane.empty() && work.batches[lane.front()].state != RelayBatch::State::kPending) {
        lane.pop_front();
      }
      if (!lane.empty()) heads.push_back(lane.front());
    }
    if (heads.empty()) return true;
    if (giveUp()) return false;
    if (keep_going && !keep_going()) return false;

    std::vector<const StampedBatch*> wires;
    wires.reserve(heads.size());
    for (size_t i : heads) wires.push_back(&work.batches[i].wire);
    const auto publish_start = SteadyClock::now();
    std::vector<PublishResult> results = publisher_->publish(wires);
    logDebug("outbox publish")
        .kv("relay", work.fence.name)
        .kv("batches", static_cast<int64_t>(wires.size()))
        .kv("ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           SteadyClock::now() - publish_start)
                                           .count()));

    bool again = false;
    for (size_t k = 0; k < heads.size(); ++k) {
      RelayBatch& batch = work.batches[heads[k]];
      const PublishResult& result = results[k];
      switch (result.outcome) {
        case PublishOutcome::kWritten:
          batch.state = RelayBatch::State::kWritten;
          batch.base_offset = result.base_offset;
          stats_.published += static_cast<int64_t>(batch.ids.size());
          ++stats_.published_batches;
          break;
        case PublishOutcome::kNotSent:
        case PublishOutcome::kUnknown:
          if (result.outcome == PublishOutcome::kUnknown) batch.maybe_written = true;
          ++stats_.publish_errors;
          again = true;
          logDebug("outbox publish without a definite answer; re-sending the same batch")
              .kv("relay", work.fence.name)
              .kv("partition", fmt::format("{}-{}", batch.wire.topic, batch.wire.partition))
              .kv("sequence", batch.wire.base_sequence)
              .kv("error", result.error);
          break;
        case PublishOutcome::kRefused: {
          Next next = handleRefusal(work, batch, result);
          if (next == Next::kAbort) return false;
          if (next == Next::kRetry) again = true;
          break;
        }
      }
    }
    if (again) {
      if (!pause(publish_retry_.backoff(std::min(round++, 10)), false)) return false;
    } else {
      round = 0;
    }
  }
}

OutboxRelay::Impl::Next OutboxRelay::Impl::handleRefusal(RelayWork& work, RelayBatch& batch,
                                                         const PublishResult& result) {
  const auto code = result.code;
  if (code == rpc::ErrorCode::PRODUCER_FENCED || code == rpc::ErrorCode::UNKNOWN_PRODUCER_ID) {
    if (!work.leftovers) {
      fail(Error(client::ErrorCode::PRODUCER_FENCED,
                 fmt::format("relay `{}` is fenced: {}", config_.name, result.error), false));
      return Next::kAbort;
    }
    // Leftovers stamped with an epoch that was bumped since (an older relay version, or a
    // manual initProducer): they cannot be re-sent under their stamp any more, and whether
    // they were stored is unknown. An operator decides (the later batches of the partition
    // get the same answer).
    return release(work, batch,
                   fmt::format("{}; the batch cannot be re-sent under its stamp, so whether it "
                               "was published is unknown: look for {}={} in the topic before "
                               "retrying",
                               result.error, kOutboxIdHeader, batch.ids.front()),
                   true, false)
               ? Next::kResolved
               : Next::kAbort;
  }
  if (code == rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE) {
    if (batch.maybe_written) {
      // Every earlier batch of the partition is stored, and this one is not the producer's
      // last there: an earlier attempt stored it, and later batches followed.
      batch.state = RelayBatch::State::kWritten;
      stats_.published += static_cast<int64_t>(batch.ids.size());
      ++stats_.published_batches;
      logInfo("outbox batch was stored by an earlier attempt")
          .kv("relay", work.fence.name)
          .kv("partition", fmt::format("{}-{}", batch.wire.topic, batch.wire.partition))
          .kv("sequence", batch.wire.base_sequence);
      return Next::kResolved;
    }
    if (!release(work, batch, result.error, false, true)) return Next::kAbort;
    fail(Error(client::ErrorCode::OUT_OF_ORDER_SEQUENCE,
               fmt::format("relay `{}`: the broker's sequence differs from the relay's ({}); "
                           "restart the relay to start a new epoch",
                           config_.name, result.error),
               false));
    return Next::kAbort;
  }
  if (refusedOnEveryAttempt(code) || !batch.maybe_written) {
    // Never stored, and neither were the partition's later batches (they follow it in the
    // sequence): those go back unclaimed, and the sequence goes on from this batch's.
    const bool permanent =
        code == rpc::ErrorCode::MESSAGE_TOO_LARGE || code == rpc::ErrorCode::INVALID_TOPIC_NAME;
    std::optional<size_t> culprit;
    if (code == rpc::ErrorCode::MESSAGE_TOO_LARGE && batch.ids.size() > 1) {
      // The brokers' limit is below the relay's max_message_bytes. Fail only the largest
      // event (it can never be sent); the others go back unclaimed, without an attempt.
      size_t largest = 0;
      size_t largest_bytes = 0;
      for (size_t i = 0; i < batch.wire.messages.size(); ++i) {
        const auto& m = batch.wire.messages[i];
        size_t bytes = m.key.size() + m.value.size();
        for (const auto& [name, value] : m.headers) bytes += name.size() + value.size();
        if (bytes > largest_bytes) {
          largest = i;
          largest_bytes = bytes;
        }
      }
      culprit = largest;
    }
    return release(work, batch, result.error, permanent, true, culprit) ? Next::kResolved
                                                                        : Next::kAbort;
  }
  // Refused now (e.g. the partition became read-only), but an earlier attempt may have been
  // stored: only the same stamp can tell, so it is re-sent until the broker answers it.
  // Giving up would either lose the events or risk a duplicate.
  if (++batch.unclear_refusals % 10 == 1) {
    logWarn("outbox batch refused after an attempt that may have been stored; re-sending it")
        .kv("relay", work.fence.name)
        .kv("partition", fmt::format("{}-{}", batch.wire.topic, batch.wire.partition))
        .kv("sequence", batch.wire.base_sequence)
        .kv("error", result.error);
  }
  return Next::kRetry;
}

bool OutboxRelay::Impl::release(RelayWork& work, RelayBatch& batch, const std::string& error,
                                bool permanent, bool unclaim_later,
                                std::optional<size_t> only_row) {
  const int32_t base = batch.wire.base_sequence;
  const int16_t epoch = batch.wire.epoch;
  const TopicPartition tp{batch.wire.topic, batch.wire.partition};
  auto later = [&](const RelayBatch& b) {
    return b.state == RelayBatch::State::kPending && b.wire.epoch == epoch &&
           b.wire.producer_id == batch.wire.producer_id && b.wire.topic == tp.topic &&
           b.wire.partition == tp.partition && b.wire.base_sequence > base;
  };
  for (int attempt = 0;; ++attempt) {
    try {
      std::lock_guard<std::mutex> sequences(sequence_mutex_);
      // The partition's later batches: in this work, and, for the relay's own claims, in
      // the queued claims (no claim can add one meanwhile: claims hold sequence_mutex_).
      std::vector<RelayBatch*> later_batches;
      std::vector<int64_t> refused_ids = batch.ids;
      std::vector<int64_t> later_ids;
      if (only_row) {
        refused_ids = {batch.ids[*only_row]};
        for (size_t i = 0; i < batch.ids.size(); ++i) {
          if (i != *only_row) later_ids.push_back(batch.ids[i]);
        }
      }
      if (unclaim_later) {
        auto collect = [&](RelayWork& w) {
          for (auto& b : w.batches) {
            if (!later(b)) continue;
            later_batches.push_back(&b);
            later_ids.insert(later_ids.end(), b.ids.begin(), b.ids.end());
          }
        };
        collect(work);
        if (ownWork(work, epoch)) {
          std::lock_guard<std::mutex> lock(mutex_);
          for (auto& queued : to_publish_) collect(queued);
        }
      }
      const int64_t failed = store_->releaseRefused(work.fence, epoch, refused_ids, later_ids,
                                                    error, permanent, nowMs(), row_retry_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (RelayBatch* b : later_batches) b->state = RelayBatch::State::kReleased;
      }
      if (unclaim_later && ownWork(work, epoch)) sequences_.next_sequence[tp] = base;
      const auto unclaimed = static_cast<int64_t>(later_ids.size());
      batch.state = RelayBatch::State::kReleased;
      if (ownWork(work, epoch)) forgetMine(work, batch, unclaim_later);
      stats_.failed += failed;
      stats_.retried += static_cast<int64_t>(refused_ids.size()) - failed;
      (failed > 0 ? logWarn("outbox events marked failed") : logInfo("outbox events retried later"))
          .kv("relay", work.fence.name)
          .kv("partition", fmt::format("{}-{}", tp.topic, tp.partition))
          .kv("events", static_cast<int64_t>(refused_ids.size()))
          .kv("failed", failed)
          .kv("unclaimed_after", unclaimed)
          .kv("error", error);
      return true;
    } catch (const RelayFencedError& e) {
      if (work.fence.name == fence_.name) {
        fail(Error(client::ErrorCode::PRODUCER_FENCED, e.what(), false));
      }
      return false;
    } catch (const std::exception& e) {
      logWarn("outbox release failed; retrying").kv("relay", config_.name).kv("error", e.what());
      if (!pause(publish_retry_.backoff(std::min(attempt, 10)), false)) return false;
    }
  }
}

}  // namespace mq
