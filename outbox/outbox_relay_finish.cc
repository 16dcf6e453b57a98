// OutboxRelay::Impl: the finisher: marks published rows done, per producer epoch.
#include "outbox/outbox_relay_impl.h"

namespace mq {

bool OutboxRelay::Impl::finish(const RelayWork& work) {
  std::map<int16_t, std::vector<PublishedBatch>> by_epoch;
  for (const auto& batch : work.batches) {
    if (batch.state != RelayBatch::State::kWritten) continue;
    by_epoch[batch.wire.epoch].push_back(
        PublishedBatch{batch.ids, batch.wire.partition, batch.base_offset});
  }
  for (const auto& [epoch, batches] : by_epoch) {
    for (int attempt = 0;; ++attempt) {
      try {
        const auto finish_start = SteadyClock::now();
        store_->finishPublished(work.fence.relay_id, work.fence.name, epoch, batches,
                                config_.on_publish == OnPublish::kHistory, nowMs());
        logDebug("outbox finish")
            .kv("relay", work.fence.name)
            .kv("ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               SteadyClock::now() - finish_start)
                                               .count()));
        break;
      } catch (const std::exception& e) {
        logWarn("outbox finish failed; retrying").kv("relay", config_.name).kv("error", e.what());
        if (!pause(publish_retry_.backoff(std::min(attempt, 10)), false)) return false;
      }
    }
  }
  return true;
}

void OutboxRelay::Impl::forgetMine(const RelayWork& work, const RelayBatch& released,
                                   bool with_later) {
  // REQUIRES: sequence_mutex_ held (the planner must not see these rows half forgotten).
  std::lock_guard<std::mutex> lock(mine_mutex_);
  for (int64_t id : released.ids) mine_.erase(id);
  if (!with_later) return;
  auto forget = [&](const RelayWork& w) {
    for (const auto& b : w.batches) {
      if (b.state == RelayBatch::State::kReleased && b.wire.topic == released.wire.topic &&
          b.wire.partition == released.wire.partition) {
        for (int64_t id : b.ids) mine_.erase(id);
      }
    }
  };
  forget(work);
  std::lock_guard<std::mutex> queue(mutex_);
  for (const auto& queued : to_publish_) forget(queued);
}

void OutboxRelay::Impl::finishLoop() {
  while (true) {
    std::vector<RelayWork> works;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return !to_finish_.empty() || publisher_done_; });
      if (to_finish_.empty()) break;
      while (!to_finish_.empty()) {
        works.push_back(std::move(to_finish_.front()));
        to_finish_.pop_front();
      }
    }
    // Claims finished together: one transaction per claim keeps the code simple; the
    // batches of one claim are one statement.
    for (const auto& work : works) {
      if (!finish(work)) break;
      // Under sequence_mutex_: a claim in progress may have read these rows before the DELETE
      // committed, and must still find them among the relay's own.
      std::lock_guard<std::mutex> sequences(sequence_mutex_);
      std::lock_guard<std::mutex> lock(mine_mutex_);
      for (const auto& batch : work.batches) {
        for (int64_t id : batch.ids) mine_.erase(id);
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_pipeline_ -= static_cast<int>(works.size());
    }
    cv_.notify_all();
  }
}

}  // namespace mq
