// mq::Consumer: manual assignment, positions per partition, one long-poll Fetch per poll()
// covering every assigned partition, and auto_offset_reset.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <thread>

#include "client/cluster.h"
#include "client/error.h"
#include "client/list_offsets.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "mq/client.h"

namespace mq {

namespace {

void validateConsumerConfig(const ConsumerConfig& config) {
  validateClientConfig(config);
  auto require = [](bool ok, const char* message) {
    if (!ok) throw Error(rpc::ErrorCode::INVALID_CONFIG, message, false);
  };
  require(config.max_poll_messages >= 1, "max_poll_messages must be >= 1");
  require(config.fetch_max_bytes >= 1 && config.fetch_max_bytes <= (1LL << 30),
          "fetch_max_bytes must be 1..1073741824");
}

Error invalidRequest(const std::string& message) {
  return Error(rpc::ErrorCode::INVALID_REQUEST, message, false);
}

int64_t msUntil(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return std::max<int64_t>(0, left.count());
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
      : config_((validateConsumerConfig(config), std::move(config))), cluster_(config_) {}

  void assign(const std::vector<TopicPartition>& partitions) {
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

  void seek(const TopicPartition& tp, int64_t offset) {
    if (offset < 0)
      throw invalidRequest(fmt::format("cannot seek {} to {}", tp.toString(), offset));
    PartitionState& state = stateOf(tp);
    state.position = offset;
    state.pending_reset.reset();
  }

  void seekTo(const std::vector<TopicPartition>& partitions, OffsetSpec spec) {
    auto targets = partitions.empty() ? assignment() : partitions;
    for (const auto& tp : targets) stateOf(tp);  // all assigned, or nothing changes
    for (const auto& tp : targets) {
      PartitionState& state = stateOf(tp);
      state.position.reset();
      state.pending_reset = spec;
    }
  }

  int64_t position(const TopicPartition& tp) {
    PartitionState& state = stateOf(tp);
    if (state.pending_reset) {
      resolveResets(SteadyClock::now() + std::chrono::milliseconds(config_.request_timeout_ms),
                    /*throw_retriable=*/true);
    }
    if (!state.position) throw noPosition(tp);
    return *state.position;
  }

  std::vector<ConsumedMessage> poll(std::chrono::milliseconds timeout);

  void close() { cluster_.close(); }

 private:
  struct PartitionState {
    std::optional<int64_t> position;
    std::optional<OffsetSpec> pending_reset;  // resolve with ListOffsets before fetching
  };

  PartitionState initialState() const {
    PartitionState state;
    if (auto spec = resetSpec()) state.pending_reset = *spec;
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
                 fmt::format("no position for {} and auto_offset_reset is none; seek() first",
                             tp.toString()),
                 false);
  }

  // Resolves pending seekToBeginning/End (and initial resets) with one ListOffsets call.
  // Non-retriable partition errors throw; retriable ones stay pending (and throw only with
  // throw_retriable).
  void resolveResets(SteadyClock::time_point deadline, bool throw_retriable);

  // One Fetch; appends messages to *out and advances positions. Returns true when the
  // broker answered without anything to act on (so waiting longer is pointless), false
  // when something needs another round (a reset, a retriable partition error).
  bool fetchOnce(SteadyClock::time_point deadline, std::vector<ConsumedMessage>* out,
                 bool* had_retriable_errors);

  const ConsumerConfig config_;
  Cluster cluster_;
  std::map<TopicPartition, PartitionState> assigned_;
};

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
      continue;
    }
    PartitionState& state = assigned_.at(query.partition);
    state.position = result.offset;
    state.pending_reset.reset();
  }
  if (retriable && throw_retriable) throw *retriable;
}

bool Consumer::Impl::fetchOnce(SteadyClock::time_point deadline, std::vector<ConsumedMessage>* out,
                               bool* had_retriable_errors) {
  rpc::FetchRequest request;
  request.header = cluster_.requestHeader();
  for (const auto& [tp, state] : assigned_) {
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
    request.partitions.push_back(std::move(partition));
  }
  if (request.partitions.empty()) {
    *had_retriable_errors = true;
    return false;
  }

  rpc::FetchResponse response;
  cluster_.withBroker(
      [&](BrokerConnection& connection) {
        request.max_wait_ms = static_cast<int32_t>(std::min<int64_t>(msUntil(deadline), 1 << 30));
        connection.call([&](rpc::BrokerClient& client) { client.fetch(response, request); },
                        request.max_wait_ms);
      },
      deadline);

  // First every refusal, so that a throw leaves all positions as they were (nothing is
  // skipped; the messages of other partitions come again).
  for (const auto& result : response.results) {
    TopicPartition tp{result.topic, result.partition};
    if (result.error == rpc::ErrorCode::NONE || !assigned_.count(tp)) continue;
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
      *had_retriable_errors = true;
      settled = false;
      continue;
    }
    for (auto& message : result.messages) {
      if (message.offset < *state.position) continue;  // already returned
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
      out->push_back(std::move(consumed));
    }
  }
  return settled;
}

std::vector<ConsumedMessage> Consumer::Impl::poll(std::chrono::milliseconds timeout) {
  if (assigned_.empty()) throw invalidRequest("poll() with nothing assigned; call assign() first");
  const auto deadline = SteadyClock::now() + std::max(timeout, std::chrono::milliseconds(0));
  std::vector<ConsumedMessage> messages;
  for (int round = 0;; ++round) {
    const auto started = SteadyClock::now();
    resolveResets(deadline, /*throw_retriable=*/false);
    bool had_retriable_errors = false;
    bool settled = fetchOnce(deadline, &messages, &had_retriable_errors);
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

Consumer::Consumer(ConsumerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Consumer::~Consumer() = default;
void Consumer::assign(const std::vector<TopicPartition>& partitions) { impl_->assign(partitions); }
std::vector<TopicPartition> Consumer::assignment() const { return impl_->assignment(); }
void Consumer::seek(const TopicPartition& tp, int64_t offset) { impl_->seek(tp, offset); }
void Consumer::seekToBeginning(const std::vector<TopicPartition>& partitions) {
  impl_->seekTo(partitions, OffsetSpec::kEarliest);
}
void Consumer::seekToEnd(const std::vector<TopicPartition>& partitions) {
  impl_->seekTo(partitions, OffsetSpec::kLatest);
}
std::vector<ConsumedMessage> Consumer::poll(std::chrono::milliseconds timeout) {
  return impl_->poll(timeout);
}
int64_t Consumer::position(const TopicPartition& tp) { return impl_->position(tp); }
void Consumer::close() { impl_->close(); }

}  // namespace mq
