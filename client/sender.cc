#include "client/sender.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "client/error.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq::client {

namespace {

thread_local bool t_on_sender_thread = false;

// How often an idle sender thread wakes to check whether the producer is closing.
constexpr std::chrono::milliseconds kIdleWake{200};

void invoke(const PendingRecord& record, const SendResult* result, const Error* error) {
  if (!record.callback) return;
  try {
    record.callback(result, error);
  } catch (const std::exception& e) {
    logError("producer callback threw; ignored").kv("error", e.what());
  } catch (...) {
    logError("producer callback threw; ignored");
  }
}

std::string rangeProblem(const TopicPartition& tp, int partition_count) {
  return fmt::format("partition {} out of range 0..{} (topic `{}`)", tp.partition,
                     partition_count - 1, tp.topic);
}

}  // namespace

bool onSenderThread() { return t_on_sender_thread; }

Sender::Sender(const ProducerConfig& config, Cluster& cluster, RecordAccumulator& accumulator,
               Partitioner& partitioner, IdempotenceState* idempotence,
               ProducerStageRecorder& stages)
    : config_(config),
      cluster_(cluster),
      accumulator_(accumulator),
      partitioner_(partitioner),
      idempotence_(idempotence),
      stages_(stages) {}

Sender::~Sender() { join(); }

void Sender::start() {
  for (int i = 0; i < config_.max_in_flight_requests; ++i) {
    threads_.emplace_back([this] { run(); });
  }
}

void Sender::join() {
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void Sender::run() {
  nameThisThread("mq-sender");
  t_on_sender_thread = true;
  while (true) {
    auto batches = accumulator_.awaitReady(SteadyClock::now() + kIdleWake, kMaxRequestBytes);
    if (batches.empty()) {
      if (accumulator_.finished()) return;
      continue;
    }
    sendTaken(std::move(batches));
  }
}

bool Sender::sendReadyNow() {
  auto batches = accumulator_.drainReady(SteadyClock::now(), kMaxRequestBytes);
  if (batches.empty()) return false;
  // The calling thread counts as a sender thread while it sends, whatever leaves the call.
  struct SenderThreadScope {
    const bool was_sender = std::exchange(t_on_sender_thread, true);
    ~SenderThreadScope() { t_on_sender_thread = was_sender; }
  } scope;
  sendTaken(std::move(batches));
  return true;
}

void Sender::sendTaken(std::vector<ProducerBatch> batches) {
  for (const auto& batch : batches) {
    partitioner_.onBatchClosed(batch.partition.topic, batch.partition.partition);
  }
  send(std::move(batches));
}

std::vector<ProducerBatch> Sender::stampAll(std::vector<ProducerBatch> batches) {
  std::vector<ProducerBatch> stamped;
  stamped.reserve(batches.size());
  for (auto& batch : batches) {
    if (auto fenced = idempotence_->fencedMessage()) {
      fail(batch, Error(ErrorCode::PRODUCER_FENCED, *fenced, false));
      continue;
    }
    try {
      idempotence_->stamp(batch);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::PRODUCER_FENCED) {
        fail(batch, e);
      } else {
        retryOrFail(std::move(batch), e);  // initProducer failed; the batch is unstamped
      }
      continue;
    }
    stamped.push_back(std::move(batch));
  }
  return stamped;
}

void Sender::send(std::vector<ProducerBatch> batches) {
  if (idempotence_) {
    batches = stampAll(std::move(batches));
    if (batches.empty()) return;
  }
  int64_t first_attempts = 0;  // retries were charged to the retry budget already
  for (const auto& batch : batches) first_attempts += batch.records.front().failures == 0;
  cluster_.retryBudget().recordCalls(first_attempts, SteadyClock::now());
  rpc::ProduceRequest request;
  request.header = cluster_.requestHeader();
  request.batches.resize(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    rpc::PartitionBatch& out = request.batches[i];
    out.topic = batches[i].partition.topic;
    out.partition = batches[i].partition.partition;
    if (const auto& stamp = batches[i].stamp) {
      out.__set_producer_id(stamp->producer_id);
      out.__set_producer_epoch(stamp->epoch);
      out.__set_base_sequence(stamp->base_sequence);
    }
    out.messages.reserve(batches[i].records.size());
    // Moved into the request and back afterwards: no copy of the payloads.
    for (auto& record : batches[i].records) out.messages.push_back(std::move(record.message));
  }
  auto restore = [&] {
    for (size_t i = 0; i < batches.size(); ++i) {
      auto& messages = request.batches[i].messages;
      for (size_t j = 0; j < batches[i].records.size(); ++j) {
        batches[i].records[j].message = std::move(messages[j]);
      }
    }
  };

  rpc::ProduceResponse response;
  std::optional<HostPort> broker;
  std::optional<SteadyClock::time_point> sent_at;
  auto requestDone = [&] {
    if (sent_at) stages_.requestDone(SteadyClock::now() - *sent_at);
  };
  try {
    broker = cluster_.nextBroker();
    cluster_.awaitThrottle(*broker);
    auto connection = cluster_.connections().lease(*broker);
    sent_at = SteadyClock::now();
    stages_.requestSent(batches, *sent_at);
    connection->call([&](rpc::BrokerClient& client) { client.produce(response, request); });
    requestDone();
  } catch (const Error& e) {
    requestDone();
    restore();
    // Only a request that reached the broker can have been stored: a reply that never came
    // (the broker refuses a whole request before appending anything).
    auto* transport = dynamic_cast<const TransportError*>(&e);
    if (transport && transport->requestSent()) {
      for (auto& batch : batches) batch.maybe_written = true;
    }
    bool broker_failed = broker && isBrokerFailure(e);
    if (broker_failed) cluster_.reportFailure(*broker);
    // Another broker can take the batches at once; otherwise they back off.
    bool switch_now = broker_failed && cluster_.otherBrokerUsable(*broker);
    for (auto& batch : batches) retryOrFail(std::move(batch), e, switch_now);
    return;
  } catch (const std::exception& e) {
    requestDone();
    restore();
    for (auto& batch : batches) batch.maybe_written = true;
    Error error(ErrorCode::UNKNOWN, fmt::format("produce failed: {}", e.what()), true);
    for (auto& batch : batches) retryOrFail(std::move(batch), error);
    return;
  }
  restore();
  cluster_.reportSuccess(*broker);
  if (response.__isset.throttle_time_ms) {
    cluster_.reportThrottle(*broker, response.throttle_time_ms);
  }

  std::map<TopicPartition, const rpc::PartitionProduceResult*> results;
  for (const auto& result : response.results) {
    results[TopicPartition{result.topic, result.partition}] = &result;
  }
  for (auto& batch : batches) {
    auto it = results.find(batch.partition);
    if (it == results.end()) {
      // The error names the partition before the batch is moved into the call.
      Error missing(ErrorCode::UNKNOWN,
                    fmt::format("{} returned no result for {}", broker->toString(),
                                batch.partition.toString()),
                    true);
      retryOrFail(std::move(batch), missing);
      continue;
    }
    const rpc::PartitionProduceResult& result = *it->second;
    if (result.error == rpc::ErrorCode::NONE) {
      acknowledge(batch, result);
      continue;
    }
    Error error = partitionError(result.topic, result.partition, result.error, result.error_message,
                                 result.retriable);
    if (batch.stamp && handleIdempotenceRefusal(batch, result, error)) continue;
    if (result.error == rpc::ErrorCode::UNKNOWN_TOPIC ||
        result.error == rpc::ErrorCode::UNKNOWN_PARTITION) {
      handleUnknownPartition(std::move(batch), error);
    } else if (result.error == rpc::ErrorCode::DATANODE_UNAVAILABLE) {
      handleUnavailablePartition(std::move(batch), error);
    } else {
      retryOrFail(std::move(batch), error);
    }
  }
}

bool Sender::handleIdempotenceRefusal(ProducerBatch& batch,
                                      const rpc::PartitionProduceResult& result,
                                      const Error& error) {
  const bool stale = idempotence_->stale(batch);
  switch (result.error) {
    case rpc::ErrorCode::PRODUCER_FENCED:
    case rpc::ErrorCode::UNKNOWN_PRODUCER_ID:
      if (result.error == rpc::ErrorCode::PRODUCER_FENCED && !stale) {
        // A newer instance of this named producer exists: this one must stop.
        idempotence_->fence(error.what());
        fail(batch, Error(ErrorCode::PRODUCER_FENCED, error.what(), false));
        return true;
      }
      // Our identity was renewed (or the broker no longer knows it): a fresh stamp is safe
      // only if no attempt under the old one may have been stored.
      idempotence_->renewAfter(batch);
      if (batch.maybe_written) {
        fail(batch, Error(ErrorCode::UNKNOWN,
                          fmt::format("{}; an earlier attempt may have been stored, so the "
                                      "outcome is unknown",
                                      error.what()),
                          true));
      } else {
        batch.stamp.reset();
        retryOrFail(std::move(batch), Error(error.code(), error.what(), true), true);
      }
      return true;
    case rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE:
      idempotence_->renewAfter(batch);
      fail(batch,
           Error(ErrorCode::OUT_OF_ORDER_SEQUENCE,
                 fmt::format("{} (the idempotent producer starts a new sequence)", error.what()),
                 false));
      return true;
    default:
      // A retriable refusal may come from a COMMIT whose outcome the broker did not learn.
      if (error.retriable()) batch.maybe_written = true;
      return false;
  }
}

void Sender::acknowledge(ProducerBatch& batch, const rpc::PartitionProduceResult& result) {
  accumulator_.releaseSpace(batch);
  SendResult sent;
  sent.topic = batch.partition.topic;
  sent.partition = batch.partition.partition;
  sent.append_time_ms = result.append_time_ms;
  int64_t next = result.base_offset;
  for (auto& record : batch.records) {
    // A batch is appended atomically at consecutive offsets. Messages still due later at the
    // broker's append time went to the delay table: they are skipped in that numbering and
    // get their offsets when due (-1 here).
    const bool delayed = record.message.deliver_at_ms > result.append_time_ms;
    sent.offset = delayed || next < 0 ? -1 : next++;
    invoke(record, &sent, nullptr);
  }
  accumulator_.finish(batch);
}

void Sender::handleUnknownPartition(ProducerBatch batch, const Error& error) {
  bool refreshed = false;
  for (const auto& record : batch.records) refreshed = refreshed || record.metadata_refreshed;
  if (refreshed) {
    fail(batch, error);
    return;
  }
  const TopicPartition tp = batch.partition;
  try {
    auto deadline = SteadyClock::now() + std::chrono::milliseconds(config_.request_timeout_ms);
    const auto metadata = cluster_.topic(tp.topic, /*force_refresh=*/true, deadline);
    if (tp.partition >= metadata->partition_count) {
      fail(batch,
           Error(ErrorCode::UNKNOWN_PARTITION, rangeProblem(tp, metadata->partition_count), false));
      return;
    }
  } catch (const Error& refresh_error) {
    if (refresh_error.code() == ErrorCode::UNKNOWN_TOPIC || !refresh_error.retriable()) {
      fail(batch, refresh_error);
    } else {
      retryOrFail(std::move(batch), refresh_error);  // try the refresh again later
    }
    return;
  }
  // The metadata says the partition exists (a broker's cache was behind): once more.
  for (auto& record : batch.records) record.metadata_refreshed = true;
  retryOrFail(std::move(batch), Error(error.code(), error.what(), true));
}

void Sender::handleUnavailablePartition(ProducerBatch batch, const Error& error) {
  const TopicPartition from = batch.partition;
  partitioner_.avoid(from.topic, from.partition, SteadyClock::now() + kAvoidUnavailable);
  const bool all_movable = std::all_of(batch.records.begin(), batch.records.end(),
                                       [](const PendingRecord& record) { return record.movable; });
  std::optional<TopicPartition> move_to;
  if (all_movable && !batch.stamp) {
    try {
      auto deadline = SteadyClock::now() + std::chrono::milliseconds(config_.request_timeout_ms);
      const auto metadata = cluster_.topic(from.topic, /*force_refresh=*/false, deadline);
      int to = partitioner_.choose(from.topic, std::nullopt, std::nullopt,
                                   metadata->partition_count, metadata->writable);
      if (to != from.partition) move_to = TopicPartition{from.topic, to};
    } catch (const Error&) {
      // No metadata now: retried in place.
    }
  }
  if (move_to) {
    logDebug("moving keyless messages off an unavailable partition")
        .kv("from", from.toString())
        .kv("to", move_to->toString())
        .kv("messages", static_cast<uint64_t>(batch.records.size()));
  }
  retryOrFail(std::move(batch), error, false, move_to);
}

void Sender::retryOrFail(ProducerBatch batch, const Error& error, bool without_backoff,
                         std::optional<TopicPartition> move_to) {
  if (move_to) without_backoff = true;
  const auto now = SteadyClock::now();
  int failures = 0;
  auto oldest = now;
  for (auto& record : batch.records) {
    failures = std::max(failures, ++record.failures);
    oldest = std::min(oldest, record.created);
  }
  const RetryPolicy& retry = cluster_.retryPolicy();
  if (!error.retriable()) {
    fail(batch, error);
    return;
  }
  if (!retry.mayRetry(failures)) {
    fail(batch, Error(error.code(),
                      fmt::format("{} (gave up after {} attempts)", error.what(), failures), true));
    return;
  }
  if (!cluster_.retryBudget().tryRetry(now)) {
    fail(batch, budgetExhausted(error));
    return;
  }
  auto backoff = without_backoff ? std::chrono::milliseconds(0) : retry.backoff(failures - 1);
  if (now + backoff - oldest >= std::chrono::milliseconds(config_.delivery_timeout_ms)) {
    fail(batch, Error(ErrorCode::TIMEOUT,
                      fmt::format("not acknowledged within delivery_timeout_ms ({} ms); last "
                                  "error: {}",
                                  config_.delivery_timeout_ms, error.what()),
                      true));
    return;
  }
  logDebug("retrying produce")
      .kv("partition", batch.partition.toString())
      .kv("messages", static_cast<uint64_t>(batch.records.size()))
      .kv("attempt", failures)
      .kv("backoff_ms", static_cast<int64_t>(backoff.count()))
      .kv("error", error.what());
  if (move_to) {
    accumulator_.reroute(std::move(batch), *move_to, /*release_origin=*/true);
  } else {
    accumulator_.requeue(std::move(batch), now + backoff);
  }
}

void Sender::fail(ProducerBatch& batch, const Error& error) {
  if (idempotence_ && batch.stamp && error.code() != ErrorCode::PRODUCER_FENCED) {
    if (batch.maybe_written) {
      idempotence_->renewAfter(batch);  // the partition's sequence is unknown now
    } else {
      idempotence_->release(batch);  // never stored: the next batch takes its sequences
    }
  }
  logDebug("produce failed")
      .kv("partition", batch.partition.toString())
      .kv("messages", static_cast<uint64_t>(batch.records.size()))
      .kv("code", errorCodeName(error.code()))
      .kv("error", error.what());
  accumulator_.releaseSpace(batch);
  for (const auto& record : batch.records) invoke(record, nullptr, &error);
  accumulator_.finish(batch);
}

}  // namespace mq::client
