// OutboxRelay::Impl: the claimer: claims due rows of its buckets, in key order, as batches.
#include "outbox/outbox_relay_impl.h"

using mq::client::Error;

namespace mq {

namespace {

// How often a claiming relay re-reads the live relays: how long relays that just started or
// stopped share buckets with one another.
constexpr std::chrono::seconds kShareRefresh{1};

}  // namespace

void OutboxRelay::Impl::claimLoop() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return identity_ready_ || stopping_; });
  }
  int failures = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || in_pipeline_ < config_.pipeline_depth; });
      if (stopping_) break;
    }
    bool busy = false;
    try {
      if (SteadyClock::now() >= next_share_refresh_) {
        refreshShare();
        next_share_refresh_ = SteadyClock::now() + kShareRefresh;
      }
      busy = claimOnce();
      failures = 0;
    } catch (const RelayFencedError& e) {
      fail(Error(client::ErrorCode::PRODUCER_FENCED, e.what(), false));
      break;
    } catch (const std::exception& e) {
      ++failures;
      logWarn("outbox claim failed; retrying").kv("relay", config_.name).kv("error", e.what());
      if (!pause(publish_retry_.backoff(std::min(failures - 1, 10)), true)) break;
      continue;
    }
    if (!busy && !pause(std::chrono::milliseconds(config_.poll_interval_ms), true)) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    claimer_done_ = true;
  }
  cv_.notify_all();
}

bool OutboxRelay::Impl::claimOnce() {
  std::lock_guard<std::mutex> sequences(sequence_mutex_);
  SequenceState planned = sequences_;
  bool exhausted = false;
  ClaimLimits limits;
  limits.max_bytes = static_cast<size_t>(config_.max_claim_bytes);
  limits.max_message_bytes = static_cast<size_t>(config_.max_message_bytes);
  auto layout = [&](const std::string& topic) {
    TopicLayout out;
    if (auto problem = topicNameProblem(topic)) {
      out.error = *problem;
      return out;
    }
    try {
      auto deadline =
          SteadyClock::now() + std::chrono::milliseconds(config_.client.request_timeout_ms);
      const auto metadata = cluster_->topic(topic, false, deadline);
      out.known = true;
      out.partition_count = metadata->partition_count;
      out.writable = metadata->writable;
    } catch (const Error& e) {
      if (e.code() != client::ErrorCode::UNKNOWN_TOPIC) throw;  // brokers unreachable: later
      out.error = e.what();
    }
    return out;
  };
  auto planner = [&](const std::vector<OutboxRecord>& candidates, const KeyRows& key_rows) {
    KeyRows marked = key_rows;
    {
      std::lock_guard<std::mutex> lock(mine_mutex_);
      for (auto& [hash, rows] : marked) {
        for (auto& row : rows) row.mine = mine_.count(row.id) > 0;
      }
    }
    PlanResult result = planClaim(candidates, marked, layout, limits, planned);
    exhausted = result.sequence_exhausted;
    return result.plan;
  };
  const int64_t now = nowMs();
  const int64_t producer_id = producer_id_;
  const int16_t epoch = epoch_;
  const auto claim_start = SteadyClock::now();
  std::optional<std::vector<int>> buckets;
  if (share_) buckets = claimOrder(*share_, claim_turn_++);
  auto [candidates, plan] = store_->claim(fence_, config_.batch_size, now, now + config_.lease_ms,
                                          producer_id, epoch, planner, row_retry_, buckets);
  int64_t taken = 0;
  for (const auto& batch : plan.batches) taken += static_cast<int64_t>(batch.rows.size());
  logDebug("outbox claim")
      .kv("relay", config_.name)
      .kv("candidates", static_cast<int64_t>(candidates.size()))
      .kv("taken", taken)
      .kv("batches", static_cast<int64_t>(plan.batches.size()))
      .kv("ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         SteadyClock::now() - claim_start)
                                         .count()));
  if (candidates.empty()) return false;
  sequences_ = std::move(planned);

  for (const auto& refusal : plan.refusals) {
    const OutboxRecord& row = candidates[refusal.row];
    if (refusal.permanent || row.attempts + 1 >= config_.max_attempts) {
      ++stats_.failed;
      logWarn("outbox event marked failed")
          .kv("id", row.id)
          .kv("topic", row.topic)
          .kv("error", refusal.error);
    } else {
      ++stats_.retried;
    }
  }
  if (!plan.batches.empty()) {
    RelayWork work;
    work.fence = fence_;
    for (const auto& planned_batch : plan.batches) {
      RelayBatch batch;
      batch.wire.topic = planned_batch.topic;
      batch.wire.partition = planned_batch.partition;
      batch.wire.producer_id = producer_id;
      batch.wire.epoch = epoch;
      batch.wire.base_sequence = planned_batch.base_sequence;
      batch.wire.messages.reserve(planned_batch.rows.size());
      for (size_t row : planned_batch.rows) {
        batch.ids.push_back(candidates[row].id);
        batch.wire.messages.push_back(outboxMessage(candidates[row]));
      }
      work.batches.push_back(std::move(batch));
    }
    ++stats_.claims;
    {
      std::lock_guard<std::mutex> lock(mine_mutex_);
      for (const auto& batch : work.batches) mine_.insert(batch.ids.begin(), batch.ids.end());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      to_publish_.push_back(std::move(work));
      ++in_pipeline_;
    }
    cv_.notify_all();
  }
  if (exhausted) {
    fail(Error(client::ErrorCode::OUT_OF_ORDER_SEQUENCE,
               "the producer's sequence of a partition is used up; restart the relay (a new "
               "epoch starts at sequence 0)",
               false));
  }
  return true;
}

}  // namespace mq
