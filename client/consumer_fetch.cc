// Consumer::Impl: offset resets and committed offsets at start, and one Fetch round.
#include "client/consumer_impl.h"

namespace mq::client {

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
      incomplete_ = error;
      continue;
    }
    PartitionState& state = assigned_.at(query.partition);
    state.position = result.offset;
    state.pending_reset.reset();
  }
  if (retriable && throw_retriable) throw *retriable;
}

void Consumer::Impl::resolveCommitted(SteadyClock::time_point deadline, bool throw_errors) {
  std::vector<TopicPartition> wanted;
  for (const auto& [tp, state] : assigned_) {
    if (state.needs_committed) wanted.push_back(tp);
  }
  if (wanted.empty()) return;
  rpc::FetchOffsetsRequest request;
  request.header = cluster_.requestHeader();
  request.group_id = config_.group_id;
  std::map<std::string, std::vector<int>> by_topic;
  for (const auto& tp : wanted) by_topic[tp.topic].push_back(tp.partition);
  for (auto& [topic, numbers] : by_topic) {
    rpc::TopicPartitions entry;
    entry.topic = topic;
    entry.partitions = numbers;
    request.partitions.push_back(entry);
  }
  rpc::FetchOffsetsResponse response;
  try {
    response = group_rpc_.fetchOffsets(request, deadline);
    if (response.error != rpc::ErrorCode::NONE) {
      throw Error(clientCode(response.error), response.error_message);
    }
  } catch (const Error& e) {
    if (throw_errors || !e.retriable()) throw;
    logDebug("reading committed offsets failed; will retry").kv("error", e.what());
    incomplete_ = e;
    return;
  }
  std::map<TopicPartition, const rpc::CommittedOffset*> found;
  for (const auto& offset : response.offsets) {
    found[TopicPartition{offset.topic, offset.partition}] = &offset;
  }
  for (const auto& tp : wanted) {
    PartitionState& state = assigned_.at(tp);
    state.needs_committed = false;
    auto it = found.find(tp);
    if (it != found.end() && it->second->offset >= 0) {
      const rpc::CommittedOffset& committed = *it->second;
      state.position = committed.offset;
      state.committed = committed.offset;
      // The committer's log-divergence check comes with the offset: the first fetch runs it.
      if (committed.__isset.previous_append_time_ms) {
        state.last_read =
            PartitionState::LastRead{committed.offset - 1, committed.previous_append_time_ms};
      }
    } else if (auto spec = resetSpec()) {
      state.pending_reset = *spec;
    }
  }
}

bool Consumer::Impl::anyFetchable() const {
  for (const auto& [tp, state] : assigned_) {
    if (!state.paused && !state.needs_committed && !state.held()) return true;
  }
  return false;
}

bool Consumer::Impl::fetchOnce(SteadyClock::time_point deadline, std::vector<ConsumedMessage>* out,
                               bool* had_retriable_errors) {
  rpc::FetchRequest request;
  request.header = cluster_.requestHeader();
  for (const auto& [tp, state] : assigned_) {
    if (state.paused || state.needs_committed || state.held()) continue;
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
    if (auto check = state.checkBefore(*state.position)) {
      partition.__set_previous_append_time_ms(*check);
    }
    request.partitions.push_back(std::move(partition));
  }
  if (request.partitions.empty()) {
    *had_retriable_errors = true;
    return false;
  }

  rpc::FetchResponse response;
  try {
    cluster_.withBroker(
        [&](BrokerConnection& connection) {
          request.max_wait_ms = static_cast<int32_t>(std::min<int64_t>(msUntil(deadline), 1 << 30));
          connection.call([&](rpc::BrokerClient& client) { client.fetch(response, request); },
                          request.max_wait_ms);
          if (response.__isset.throttle_time_ms) {
            cluster_.reportThrottle(connection.address(), response.throttle_time_ms);
          }
        },
        deadline);
  } catch (const Error& e) {
    // Over a fetch quota: this poll ends empty-handed at its deadline; the next one fetches
    // once the broker's throttle has passed.
    if (e.code() != ErrorCode::THROTTLED) throw;
    *had_retriable_errors = true;
    return false;
  }

  // First every refusal, so that a throw leaves all positions as they were (nothing is
  // skipped; the messages of other partitions come again).
  for (const auto& result : response.results) {
    TopicPartition tp{result.topic, result.partition};
    if (result.error == rpc::ErrorCode::NONE || !assigned_.count(tp)) continue;
    if (result.__isset.diverging_offset) continue;  // not a reset: goes back (below)
    if (result.error == rpc::ErrorCode::OFFSET_OUT_OF_RANGE) {
      if (config_.auto_offset_reset == OffsetReset::kNone) {
        throw Error(ErrorCode::OFFSET_OUT_OF_RANGE,
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
    if (result.__isset.diverging_offset) {
      // Messages this consumer read were taken back by a database crash; the ones written
      // since from that offset on are new to it: read them rather than skip them.
      logWarn("the partition's log diverged from what was read; going back")
          .kv("partition", tp.toString())
          .kv("position", state.position.value_or(-1))
          .kv("diverging_offset", result.diverging_offset)
          .kv("error", result.error_message);
      state.position = result.diverging_offset;
      state.last_read.reset();
      settled = false;
      continue;
    }
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
      incomplete_ = partitionError(result.topic, result.partition, result.error,
                                   result.error_message, result.retriable);
      *had_retriable_errors = true;
      settled = false;
      continue;
    }
    for (auto& message : result.messages) {
      if (message.offset < *state.position) continue;  // already returned
      state.last_read = PartitionState::LastRead{message.offset, message.append_time_ms};
      if (!laneAccepts(config_.lane, message.headers)) {
        state.position = message.offset + 1;  // another lane's: consumed without returning
        continue;
      }
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
      auto floor = failure_floor_.find(tp);
      if (floor != failure_floor_.end() && message.offset >= floor->second) {
        failure_floor_.erase(floor);  // delivered again: its fate is the application's again
      }
      auto held = held_failures_.find(tp);
      if (held != held_failures_.end() && message.offset == held->second.offset) {
        held->second.redelivered = true;
      }
      out->push_back(std::move(consumed));
    }
  }
  return settled;
}

}  // namespace mq::client
