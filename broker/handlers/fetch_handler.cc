#include "broker/handlers/fetch_handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "common/clock.h"
#include "storage/partition_store.h"

namespace mq {
namespace {

// One requested partition while the fetch is being served.
struct FetchSlot {
  const rpc::FetchPartition* request;
  PartitionRoute route;
  int max_messages;
  int max_bytes;
  bool failed = false;
  bool retired = false;  // answered from the topology: never has data
  // The log-divergence check is due (the request carries the append time of the message
  // before its offset) and has not passed yet; it runs once per request.
  bool check_previous = false;
  rpc::PartitionFetchResult result;  // without its messages:
  SharedMessages messages;           // shared with the recent appends or the rows read
};

// A retired partition (docs/retention-and-lifecycle.md) reads as an empty partition that
// ended at its final offset, so consumers assigned to it stay quiet; any other offset is
// OFFSET_OUT_OF_RANGE with a message saying why. Its table may already be dropped.
void answerRetired(FetchSlot& slot) {
  const auto& route = slot.route;
  slot.retired = true;
  slot.result.start_offset = route.final_offset;
  slot.result.end_offset = route.final_offset;
  if (slot.request->offset == route.final_offset) return;
  slot.failed = true;
  slot.result.error = rpc::ErrorCode::OFFSET_OUT_OF_RANGE;
  slot.result.error_message = fmt::format(
      "partition {} of `{}` is retired: it ended at offset {}{} and its messages are gone; "
      "offset {} is out of range",
      route.partition, route.topic, route.final_offset,
      route.replaced_by >= 0 ? fmt::format(" (its writes moved to partition {})", route.replaced_by)
                             : "",
      slot.request->offset);
  slot.result.retriable = false;
}

// The log-divergence check failed: the message at offset - 1 is not the one the consumer
// read (a database crash or a failover took it back: it was read before it was durable, and
// the offsets were given to other messages since, or not yet). The consumer goes back to
// the first message appended after the one it read last: every message before it is one the
// consumer read (append times never go down along a partition's offsets, sql/datanode/007),
// every one from it on was written after the crash (brokers' clocks are assumed in step to
// well under the time a database takes to restart).
void answerDiverged(BrokerContext& context, DbConnection& db, FetchSlot& slot,
                    const PartitionBounds& bounds) {
  const int64_t offset = slot.request->offset;
  const int64_t previous_ms = slot.request->previous_append_time_ms;
  const int64_t after_ms = previous_ms < INT64_MAX ? previous_ms + 1 : previous_ms;
  int64_t diverging = PartitionStore::offsetForTime(db, slot.route.table, after_ms, bounds);
  diverging = std::min({diverging, offset - 1, bounds.end_offset});
  slot.messages.clear();
  slot.result.__set_diverging_offset(diverging);
  context.metrics.recordLogDivergence(slot.request->topic);
  throwError(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
             fmt::format("the log of partition {} of `{}` diverged at offset {}: the message at "
                         "offset {} (appended at {} ms) is not in it any more, as a database "
                         "crash or failover took back messages that were read before they were "
                         "durable; fetch again from offset {}",
                         slot.request->partition, slot.request->topic, diverging, offset - 1,
                         previous_ms, diverging));
}

// Runs the log-divergence check: `stored_ms` is the append time stored at offset - 1 (read
// with the bounds), none when no row has that offset.
void checkPrevious(BrokerContext& context, DbConnection& db, FetchSlot& slot,
                   const PartitionBounds& bounds, std::optional<int64_t> stored_ms) {
  if (stored_ms != slot.request->previous_append_time_ms) {
    answerDiverged(context, db, slot, bounds);
  }
  slot.check_previous = false;
}

void fail(BrokerContext& context, FetchSlot& slot, std::exception_ptr error) {
  auto failure = classifyPartitionFailure(context, error, slot.request->topic,
                                          slot.request->partition, slot.route.datanode_id);
  slot.failed = true;
  slot.result.error = failure.code;
  slot.result.error_message = failure.message;
  slot.result.retriable = isRetriable(failure.code);
}

// With FetchVisibility::kDurable: returns once the rows read from this datanode are durable
// (DurableReads::await). When that cannot be known (the mark failed), the rows are dropped
// and the partitions answer the mark's error: nothing not durable goes out.
void awaitDurable(BrokerContext& context, int datanode_id, DbConnection& db,
                  const std::vector<FetchSlot*>& group) {
  // Everything visible when the wait begins becomes durable with it: the whole log up to
  // the end read, not only the rows returned, so a consumer catching up waits once.
  std::map<std::string, DurableReads::Read> reads;
  for (auto* slot : group) {
    if (!slot->failed && !slot->messages.empty()) {
      reads[slot->route.table] = {slot->messages.back()->offset + 1, slot->result.end_offset};
    }
  }
  if (reads.empty()) return;
  try {
    const auto started = SteadyClock::now();
    const auto waited = context.writers.writer(datanode_id).durableReads().await(db, reads);
    if (waited != DurableReads::Wait::kNothing) {
      context.metrics.recordDurableReadWait(waited == DurableReads::Wait::kMark,
                                            SteadyClock::now() - started);
    }
  } catch (...) {
    for (auto* slot : group) {
      if (reads.count(slot->route.table) == 0) continue;
      slot->messages.clear();
      fail(context, *slot, std::current_exception());
    }
  }
}

// Reads the log ends of all live slots, with the append times the divergence checks need
// (one query per datanode), and then the messages of those that have data. Returns true
// when any slot has messages or failed.
bool readOnce(BrokerContext& context, std::vector<FetchSlot>& slots, FetchVisibility visibility) {
  // The whole response must fit Thrift's frame limit (16 MB by default): once this many
  // bytes were read, the remaining partitions answer empty and the client asks again.
  int64_t budget = kMaxFetchResponseBytes;
  std::map<int, std::vector<FetchSlot*>> by_datanode;
  for (auto& slot : slots) {
    if (!slot.failed && !slot.retired) by_datanode[slot.route.datanode_id].push_back(&slot);
  }
  bool any = false;
  for (auto& [datanode_id, group] : by_datanode) {
    try {
      auto pool = context.pools.pool(datanode_id);
      auto db = pool->acquire();
      std::vector<std::string> tables;
      std::map<std::string, int64_t> probes;  // the offsets before the fetched ones, to check
      for (auto* slot : group) {
        tables.push_back(slot->route.table);
        if (slot->check_previous) probes[slot->route.table] = slot->request->offset - 1;
      }
      auto bounds = PartitionStore::boundsAndAppendTimes(*db, tables, probes);
      for (auto* slot : group) {
        try {
          auto found = bounds.find(slot->route.table);
          if (found == bounds.end()) {
            throwError(rpc::ErrorCode::UNKNOWN_TOPIC,
                       fmt::format("partition {} of `{}` has no state row (topic being deleted?)",
                                   slot->request->partition, slot->request->topic));
          }
          const auto& b = found->second.bounds;
          slot->result.start_offset = b.start_offset;
          slot->result.end_offset = b.end_offset;
          const int64_t offset = slot->request->offset;
          // Nothing to check when the message before was removed by retention.
          if (slot->check_previous && offset - 1 < b.start_offset) slot->check_previous = false;
          if (slot->check_previous && offset > b.end_offset) answerDiverged(context, *db, *slot, b);
          if (offset < b.start_offset || offset > b.end_offset) {
            throwError(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
                       fmt::format("offset {} out of range {}..{} for partition {} of `{}`", offset,
                                   b.start_offset, b.end_offset, slot->request->partition,
                                   slot->request->topic));
          }
          if (slot->check_previous) {
            checkPrevious(context, *db, *slot, b, found->second.probed_append_ms);
          }
          if (offset == b.end_offset) {
            // The consumer keeps up: what this broker appends next is kept for it.
            context.writers.recentAppends().tail(slot->route.table);
            continue;
          }
          if (budget <= 0) continue;
          const int64_t bytes = std::min<int64_t>(slot->max_bytes, budget);
          // A consumer that keeps up reads what this broker just appended: from memory.
          const bool cached =
              context.writers.recentAppends().read(pool, slot->route.table, offset, b.end_offset,
                                                   slot->max_messages, bytes, slot->messages);
          if (!cached) {
            slot->messages = share(
                PartitionStore::read(*db, slot->route.table, offset, slot->max_messages, bytes));
          }
          context.metrics.recordFetchRead(cached);
          // Offsets are dense, so the first row is `offset` itself unless retention removed
          // it after the bounds were read: say so rather than skip silently over the gap.
          if (!slot->messages.empty() && slot->messages.front()->offset != offset) {
            slot->result.start_offset = slot->messages.front()->offset;
            slot->messages.clear();
            throwError(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
                       fmt::format("offset {} of partition {} of `{}` was removed by retention "
                                   "while it was being read",
                                   offset, slot->request->partition, slot->request->topic));
          }
          for (const auto& m : slot->messages) budget -= m->value.size() + m->key.size();
          if (!slot->messages.empty()) any = true;
        } catch (const rpc::MqError&) {
          fail(context, *slot, std::current_exception());
          any = true;
        }
      }
      if (visibility == FetchVisibility::kDurable) awaitDurable(context, datanode_id, *db, group);
    } catch (...) {
      for (auto* slot : group) fail(context, *slot, std::current_exception());
      any = true;
    }
  }
  return any;
}

// Has the log-end watcher watch the live slots' partitions from the log ends just read.
LogEndWatcher::Registration watch(BrokerContext& context, const std::vector<FetchSlot>& slots) {
  std::vector<LogEndWatcher::Partition> partitions;
  for (const auto& slot : slots) {
    if (slot.failed || slot.retired) continue;
    partitions.push_back({slot.route.datanode_id, slot.route.table, slot.result.end_offset});
  }
  return context.log_end_watcher.watch(std::move(partitions));
}

}  // namespace

FetchAnswer handleFetch(BrokerContext& context, const rpc::FetchRequest& request,
                        const Caller& caller, FetchVisibility visibility) {
  if (request.partitions.empty()) throwError(rpc::ErrorCode::INVALID_REQUEST, "no partitions");
  if (request.max_wait_ms < 0) {
    throwError(rpc::ErrorCode::INVALID_REQUEST, "max_wait_ms must not be negative");
  }
  std::vector<FetchSlot> slots;
  slots.reserve(request.partitions.size());
  for (const auto& partition : request.partitions) {
    if (partition.max_messages < 0 || partition.max_messages > kMaxFetchMessages) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("max_messages {} out of range 0..{} (0 = default {})",
                             partition.max_messages, kMaxFetchMessages, kDefaultFetchMessages));
    }
    if (partition.max_bytes < 0 || partition.max_bytes > kMaxFetchBytes) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("max_bytes {} out of range 0..{} (0 = default {})",
                             partition.max_bytes, kMaxFetchBytes, kDefaultFetchBytes));
    }
    FetchSlot slot;
    slot.request = &partition;
    slot.max_messages = partition.max_messages ? partition.max_messages : kDefaultFetchMessages;
    slot.max_bytes = partition.max_bytes ? partition.max_bytes : kDefaultFetchBytes;
    slot.result.topic = partition.topic;
    slot.result.partition = partition.partition;
    slot.result.error = rpc::ErrorCode::NONE;
    try {
      caller.require(ResourceType::kTopic, partition.topic, Permission::kConsume);
      slot.route = context.topology.route(partition.topic, partition.partition);
      if (partition.offset < 0) {
        throwError(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
                   fmt::format("offset {} is negative", partition.offset));
      }
      if (slot.route.retired) answerRetired(slot);
      slot.check_previous = partition.__isset.previous_append_time_ms && partition.offset > 0;
    } catch (...) {
      fail(context, slot, std::current_exception());
    }
    slots.push_back(std::move(slot));
  }

  // The request's wait, at most the broker's max-fetch-wait. A partition refused up front
  // (unknown, not authorized, a negative offset) is an answer too: no waiting then, as for
  // data or an error found while reading.
  const bool refused =
      std::any_of(slots.begin(), slots.end(), [](const FetchSlot& slot) { return slot.failed; });
  const int wait_ms = refused ? 0 : std::min(request.max_wait_ms, context.config.max_fetch_wait_ms);
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(wait_ms);
  // Woken by appends through this broker to the requested partitions only, and by the
  // log-end watcher for appends through other brokers (broker/log_end_watcher.h). Re-reads
  // on a backoff from 2 ms besides, for what the watcher cannot see (it is off, cannot read
  // the datanode, or has not heard of a broker that just started): up to 50 ms apart with
  // the watcher off, 1 s with it on.
  std::vector<std::string> tables;
  for (const auto& slot : slots) {
    if (!slot.failed && !slot.retired) tables.push_back(slot.route.table);
  }
  auto poll_interval = std::chrono::milliseconds(2);
  const auto max_poll_interval =
      std::chrono::milliseconds(context.config.fetch_watch_interval_ms > 0 ? 1000 : 50);
  uint64_t seen = context.notifier.sequence();
  bool waited = false;  // the first read found nothing: an append answers this fetch
  std::optional<LogEndWatcher::Registration> watching;  // from the first wait on
  while (!readOnce(context, slots, visibility) && !context.shutting_down) {
    waited = true;
    auto now = SteadyClock::now();
    if (now >= deadline) break;
    if (!watching) watching.emplace(watch(context, slots));
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const auto wake =
        context.notifier.waitForTables(seen, tables, std::min(remaining, poll_interval));
    if (!wake.changed) poll_interval = std::min(poll_interval * 2, max_poll_interval);
    seen = wake.sequence;
  }

  FetchAnswer answer;
  answer.response.results.reserve(slots.size());
  answer.messages.reserve(slots.size());
  const int64_t answered_ms = nowMs();
  for (auto& slot : slots) {
    int64_t bytes = 0;
    for (const auto& m : slot.messages) bytes += m->value.size() + m->key.size();
    if (!slot.messages.empty()) {
      context.metrics.recordFetched(slot.result.topic, static_cast<int64_t>(slot.messages.size()),
                                    bytes);
      // A long poll answered by an append: how long after the append (the wake-up).
      if (waited) {
        context.metrics.recordFetchWakeup(answered_ms - slot.messages.back()->append_time_ms);
      }
    }
    answer.response.results.push_back(std::move(slot.result));
    answer.messages.push_back(std::move(slot.messages));
  }
  return answer;
}

}  // namespace mq
