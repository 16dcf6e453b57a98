#include "client/producer_identity.h"

#include <fmt/format.h>

#include <limits>

#include "client/error.h"
#include "common/log.h"

namespace mq::client {

rpc::InitProducerResponse initProducerId(Cluster& cluster,
                                         const std::optional<std::string>& producer_name,
                                         SteadyClock::time_point deadline) {
  rpc::InitProducerRequest request;
  request.header = cluster.requestHeader();
  if (producer_name) request.__set_producer_name(*producer_name);
  rpc::InitProducerResponse response;
  // Repeating the call after a lost reply only bumps a named producer's epoch once more,
  // which fences nothing that is still ours: safe to retry.
  cluster.withBroker(
      [&](BrokerConnection& connection) {
        connection.call([&](rpc::BrokerClient& client) { client.initProducer(response, request); });
      },
      deadline);
  return response;
}

IdempotenceState::IdempotenceState(Cluster& cluster, std::string producer_name)
    : cluster_(cluster), name_(std::move(producer_name)) {}

void IdempotenceState::stamp(ProducerBatch& batch) {
  if (batch.stamp) return;
  const auto count = static_cast<int32_t>(batch.records.size());
  while (true) {
    uint64_t seen_generation = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (fenced_) throw Error(ErrorCode::PRODUCER_FENCED, *fenced_, false);
      if (have_identity_ && !renew_) {
        int32_t& next = next_sequence_[batch.partition];
        if (next <= std::numeric_limits<int32_t>::max() - count) {
          batch.stamp = BatchStamp{producer_id_, epoch_, next, generation_};
          next += count;
          return;
        }
        renew_ = true;  // the partition's sequence space is used up: start again at 0
      }
      seen_generation = generation_;
    }
    std::lock_guard<std::mutex> init_lock(init_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation_ != seen_generation) continue;  // another thread renewed meanwhile
    }
    auto deadline =
        SteadyClock::now() + std::chrono::milliseconds(cluster_.config().request_timeout_ms);
    auto response = initProducerId(
        cluster_, name_.empty() ? std::nullopt : std::optional<std::string>(name_), deadline);
    std::lock_guard<std::mutex> lock(mutex_);
    const bool renewal = have_identity_;
    producer_id_ = response.producer_id;
    epoch_ = response.producer_epoch;
    ++generation_;
    have_identity_ = true;
    renew_ = false;
    next_sequence_.clear();
    (renewal ? logInfo("idempotent producer renewed its identity")
             : logDebug("idempotent producer ready"))
        .kv("producer_id", producer_id_)
        .kv("epoch", static_cast<int>(epoch_))
        .kv("name", name_);
  }
}

bool IdempotenceState::stale(const ProducerBatch& batch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return batch.stamp && batch.stamp->generation != generation_;
}

void IdempotenceState::release(const ProducerBatch& batch) {
  if (!batch.stamp) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (batch.stamp->generation != generation_) return;
  auto it = next_sequence_.find(batch.partition);
  const auto count = static_cast<int32_t>(batch.records.size());
  if (it != next_sequence_.end() && it->second == batch.stamp->base_sequence + count) {
    it->second = batch.stamp->base_sequence;
  } else {
    renew_ = true;  // cannot happen with one batch per partition in flight; stay safe
  }
}

void IdempotenceState::renewAfter(const ProducerBatch& batch) {
  if (!batch.stamp) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (batch.stamp->generation == generation_) renew_ = true;
}

void IdempotenceState::fence(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fenced_) return;
  fenced_ = message;
  logWarn("idempotent producer fenced; it refuses further sends")
      .kv("producer_id", producer_id_)
      .kv("epoch", static_cast<int>(epoch_))
      .kv("name", name_)
      .kv("error", message);
}

std::optional<std::string> IdempotenceState::fencedMessage() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fenced_;
}

}  // namespace mq::client
