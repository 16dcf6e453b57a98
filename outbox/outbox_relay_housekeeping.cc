// OutboxRelay::Impl: housekeeping: the heartbeat, the gauges, and takeovers of dead relays.
#include "outbox/outbox_relay_impl.h"

using mq::client::Error;
using mq::client::initProducerId;

namespace mq {

void OutboxRelay::Impl::housekeepingLoop() {
  const auto beat = std::chrono::milliseconds(std::max<int64_t>(50, config_.lease_ms / 3));
  auto next_gauges = SteadyClock::now();
  while (pause(beat, true)) {
    try {
      if (!store_->heartbeat(fence_, nowMs() + config_.lease_ms)) {
        fail(Error(client::ErrorCode::PRODUCER_FENCED,
                   fmt::format("relay `{}` instance {} was superseded (a newer start or a "
                               "takeover)",
                               config_.name, fence_.instance),
                   false));
        return;
      }
      if (SteadyClock::now() >= next_gauges) {
        next_gauges = SteadyClock::now() + std::chrono::seconds(5);
        stats_.failed_rows = store_->failedCount();
        const int64_t oldest = store_->oldestPendingCreatedMs();
        stats_.oldest_pending_ms = oldest > 0 ? std::max<int64_t>(0, nowMs() - oldest) : 0;
      }
    } catch (const std::exception& e) {
      logWarn("outbox relay heartbeat failed").kv("relay", config_.name).kv("error", e.what());
    }
  }
}

void OutboxRelay::Impl::refreshShare() {
  if (!share_) return;
  const std::vector<int64_t> live = store_->liveRelayIds(nowMs());
  std::vector<int> share = claimShare(fence_.relay_id, live);
  if (share == *share_) return;
  *share_ = std::move(share);
  stats_.claim_buckets = static_cast<int64_t>(share_->size());
  logInfo("outbox relay claims from its share of the buckets")
      .kv("relay", config_.name)
      .kv("live_relays", static_cast<int64_t>(live.size()))
      .kv("buckets", fmt::format("{}", fmt::join(*share_, ",")));
}

void OutboxRelay::Impl::reapLoop() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return identity_ready_ || stopping_; });
  }
  const auto period = std::chrono::milliseconds(std::max<int64_t>(100, config_.lease_ms / 2));
  while (pause(period, true)) {
    try {
      for (const auto& relay : store_->expiredRelays(config_.name, nowMs())) takeOver(relay);
    } catch (const std::exception& e) {
      logWarn("outbox takeover check failed").kv("relay", config_.name).kv("error", e.what());
    }
  }
}

void OutboxRelay::Impl::takeOver(const RelayRow& relay) {
  const int64_t hold_ms = 3 * config_.lease_ms;
  auto record = store_->takeOverRelay(relay.name, relay.record.instance,
                                      fmt::format("taken over by {}", config_.name), nowMs(),
                                      nowMs() + hold_ms);
  if (!record) return;  // another relay was first, or it came back
  RelayWork work;
  work.fence = RelayFence{relay.name, record->relay_id, record->instance};
  work.leftovers = true;
  auto rows = store_->claimedRows(record->relay_id);
  std::vector<int64_t> unstamped;
  work.batches = groupStampedRows(rows, &unstamped);
  store_->unclaim(work.fence, unstamped);
  logWarn("outbox relay takes over a relay whose lease expired")
      .kv("relay", config_.name)
      .kv("dead_relay", relay.name)
      .kv("rows", static_cast<int64_t>(rows.size()));
  // Keep the dead relay's lease while working on it, so nobody else takes it over too.
  auto hold = [&] { return store_->heartbeat(work.fence, nowMs() + hold_ms); };
  if (!resolve(work, hold) || !finish(work)) return;
  // Fence the dead relay's producer: a zombie of it can store nothing more. Only now,
  // since none of its rows is left stamped with the old epoch.
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(config_.client.request_timeout_ms);
  auto identity = initProducerId(*cluster_, relay.name, deadline);
  store_->setIdentity(work.fence, identity.producer_id, identity.producer_epoch);
  store_->releaseRelay(work.fence);
  ++stats_.takeovers;
  stats_.recovered += static_cast<int64_t>(rows.size());
  logWarn("outbox relay finished the claims of a dead relay")
      .kv("relay", config_.name)
      .kv("dead_relay", relay.name)
      .kv("rows", static_cast<int64_t>(rows.size()));
}

}  // namespace mq
