#include "metaserver/retention_cleaner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "metaserver/retention_plan.h"

namespace mq {

RetentionCleaner::RetentionCleaner(LifecycleConfig config, MetaStore& meta, DbPool& meta_pool,
                                   DatanodeRegistry& datanodes, LifecycleMetrics* metrics,
                                   std::string holder)
    : config_(std::move(config)),
      meta_(meta),
      datanodes_(datanodes),
      metrics_(metrics),
      holder_(std::move(holder)),
      leases_(meta_pool),
      task_("retention cleaner", std::chrono::milliseconds(config_.retention_interval_ms),
            [this] { runOnce(); }) {}

RetentionCleaner::~RetentionCleaner() { stop(); }

void RetentionCleaner::stop() {
  stopping_ = true;
  task_.stop();
  if (active_) {
    try {
      leases_.release(kRetentionLease, holder_);
      logInfo("retention cleaner lease released").kv("holder", holder_);
    } catch (const std::exception& e) {
      logWarn("retention cleaner lease not released").kv("error", e.what());
    }
    active_ = false;
  }
}

bool RetentionCleaner::keepLease() {
  const int64_t now = nowMs();
  if (now - lease_renewed_ms_ < config_.lease_ms / 3) return true;
  bool held = false;
  try {
    held = leases_.acquire(kRetentionLease, holder_, config_.lease_ms);
  } catch (const sql::SQLException& e) {
    logWarn("retention cleaner lease not renewed").kv("error", e.what());
  }
  if (held) lease_renewed_ms_ = now;
  return held;
}

RetentionRunSummary RetentionCleaner::runOnce() {
  RetentionRunSummary summary;
  const bool held = leases_.acquire(kRetentionLease, holder_, config_.lease_ms);
  if (held != active_) {
    if (held) {
      logInfo("retention cleaner active").kv("holder", holder_);
    } else {
      logWarn("retention cleaner lease lost; standing by").kv("holder", holder_);
    }
  }
  active_ = held;
  if (metrics_) metrics_->retentionActive(held);
  if (!held) return summary;
  lease_renewed_ms_ = nowMs();
  summary.active = true;

  const auto started = SteadyClock::now();
  bool ok = true;
  try {
    const Topology topology = meta_.loadTopology();
    for (const auto& [name, topic] : topology.topics) {
      if (stopping_ || !keepLease()) break;
      std::map<int, PartitionBounds> bounds;
      int64_t deleted = 0;
      for (const auto& partition : topic.partitions) {
        if (stopping_) break;
        if (partition.retired()) continue;
        ++summary.partitions;
        try {
          Outcome outcome = cleanPartition(topic, partition);
          bounds[partition.partition] = outcome.bounds;
          deleted += outcome.deleted_messages;
          summary.segments_dropped += outcome.segments_dropped;
          summary.rows_deleted += outcome.rows_deleted;
        } catch (const rpc::MqError& e) {
          ++summary.errors;
          if (metrics_) metrics_->partitionError();
          logWarn("retention failed for a partition")
              .kv("topic", name)
              .kv("partition", partition.partition)
              .kv("error", e.message);
        }
      }
      summary.deleted_messages += deleted;
      if (metrics_) metrics_->deletedMessages(name, deleted);
      summary.offset_resets += resetCommittedOffsets(topic, bounds);
    }
  } catch (const std::exception& e) {
    ok = false;
    logWarn("retention run failed").kv("error", e.what());
  }
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  if (metrics_) metrics_->retentionRun(ok && summary.errors == 0, seconds);
  if (summary.deleted_messages > 0 || summary.errors > 0 || summary.offset_resets > 0) {
    logInfo("retention run")
        .kv("partitions", summary.partitions)
        .kv("deleted_messages", summary.deleted_messages)
        .kv("segments_dropped", summary.segments_dropped)
        .kv("rows_deleted", summary.rows_deleted)
        .kv("offset_resets", summary.offset_resets)
        .kv("errors", summary.errors)
        .kv("seconds", seconds);
  }
  return summary;
}

RetentionCleaner::Outcome RetentionCleaner::cleanPartition(const TopicRecord& topic,
                                                           const PartitionRecord& partition) {
  Outcome outcome;
  // Everything is re-read inside the action: when the datanode connection dropped and the
  // registry runs it again, the plan is made afresh from what is really there.
  datanodes_.withDatanode(partition.datanode_id, "applying retention to " + partition.table_name,
                          [&](DbConnection& db) { outcome = cleanTable(db, topic, partition); });
  if (metrics_) {
    metrics_->segmentsDropped(outcome.segments_dropped);
    metrics_->rowsDeleted(outcome.rows_deleted);
  }
  return outcome;
}

RetentionCleaner::Outcome RetentionCleaner::cleanTable(DbConnection& db, const TopicRecord& topic,
                                                       const PartitionRecord& partition) {
  const std::string& table = partition.table_name;
  const RetentionLimits limits{topic.retention_ms, topic.retention_bytes, topic.retention_messages};
  Outcome outcome;
  const PartitionBounds bounds = PartitionStore::bounds(db, table);
  auto layouts = PartitionStore::layouts(db, {table});
  auto layout = layouts.find(table);
  if (layout == layouts.end()) {
    throwError(rpc::ErrorCode::UNKNOWN_PARTITION, fmt::format("table {} is missing", table));
  }
  // The first offset not older than retention_ms: the oldest message is checked first so
  // that the binary search runs only when something did expire.
  int64_t time_cut = bounds.start_offset;
  if (limits.retention_ms > 0 && bounds.end_offset > bounds.start_offset) {
    const int64_t cutoff = nowMs() - limits.retention_ms;
    auto oldest = PartitionStore::appendTime(db, table, bounds.start_offset);
    if (!oldest || *oldest < cutoff) {
      time_cut = PartitionStore::offsetForTime(db, table, cutoff, bounds);
    }
  }
  const bool rows_below_start =
      bounds.start_offset > 0 && PartitionStore::hasRowsBelow(db, table, bounds.start_offset);
  // Room ahead for twice what the partition grew since the last run.
  int64_t headroom = 0;
  auto last = last_end_.find(table);
  if (last != last_end_.end() && bounds.end_offset > last->second) {
    headroom = 2 * (bounds.end_offset - last->second);
  }
  last_end_[table] = bounds.end_offset;
  const RetentionPlan plan = planRetention(limits, bounds, layout->second, time_cut,
                                           rows_below_start, headroom, config_.segment_messages);

  // 1. The start offset first: from now on a fetch below it is OFFSET_OUT_OF_RANGE.
  if (plan.new_start > bounds.start_offset) {
    PartitionStore::advanceStartOffset(db, table, plan.new_start);
  }
  // 2. Whole segments, no row-by-row work: each one's rows leave through EXCHANGE PARTITION
  //    (writers wait a few ms) and their file is freed outside the table's lock; then one
  //    ALTER drops the emptied segments.
  //    Paced: after each segment the cleaner rests as long as the segment took (at least
  //    retention-delete-pause, at most a second), so freeing many segments at once (a
  //    shortened retention, a cleaner that was away) never takes more than half the
  //    datanode's I/O time.
  for (const auto& segment : plan.drop_segments) {
    if (stopping_) break;
    const auto started = SteadyClock::now();
    PartitionStore::emptySegment(db, table, segment);
    ++outcome.segments_dropped;
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
    std::this_thread::sleep_for(
        std::clamp(took, std::chrono::milliseconds(config_.retention_delete_pause_ms),
                   std::chrono::milliseconds(1000)));
  }
  if (!plan.drop_segments.empty() && !stopping_) {
    PartitionStore::dropSegments(db, table, plan.drop_segments);
  }
  // 3. Room ahead of the log end.
  if (!plan.add_uppers.empty() && !stopping_) {
    if (bounds.end_offset > plan.last_upper) {
      logWarn("rows beyond the last segment boundary are being moved into a new segment")
          .kv("table", table)
          .kv("rows", bounds.end_offset - plan.last_upper);
    }
    PartitionStore::addSegments(db, table, plan.last_upper, plan.add_uppers, plan.segment_messages);
  }
  // 4. Rows that must go one by one: short autocommit DELETEs with a pause between.
  if (plan.delete_below > 0) {
    while (!stopping_ && keepLease()) {
      const int64_t removed =
          PartitionStore::deleteBelow(db, table, plan.delete_below, config_.retention_delete_chunk);
      outcome.rows_deleted += removed;
      if (removed < config_.retention_delete_chunk) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(config_.retention_delete_pause_ms));
    }
  }
  outcome.bounds =
      PartitionBounds{std::max(bounds.start_offset, plan.new_start), bounds.end_offset};
  outcome.deleted_messages = outcome.bounds.start_offset - bounds.start_offset;
  if (outcome.deleted_messages > 0 || outcome.rows_deleted > 0) {
    logInfo("retention applied")
        .kv("topic", topic.name)
        .kv("partition", partition.partition)
        .kv("limited_by", plan.limited_by)
        .kv("start_offset", outcome.bounds.start_offset)
        .kv("end_offset", bounds.end_offset)
        .kv("segments_dropped", outcome.segments_dropped)
        .kv("rows_deleted", outcome.rows_deleted);
  }
  return outcome;
}

int RetentionCleaner::resetCommittedOffsets(const TopicRecord& topic,
                                            const std::map<int, PartitionBounds>& bounds) {
  bool any_start = false;
  for (const auto& [partition, b] : bounds) any_start = any_start || b.start_offset > 0;
  if (!any_start) return 0;  // nothing was ever removed: no offset can be below a start
  int resets = 0;
  for (const auto& committed : meta_.committedOffsets(topic.name)) {
    auto b = bounds.find(committed.partition);
    if (b == bounds.end() || committed.offset >= b->second.start_offset) continue;
    const int64_t target =
        config_.offset_reset == "latest" ? b->second.end_offset : b->second.start_offset;
    auto old = meta_.resetCommittedOffset(committed.group_id, topic.name, committed.partition,
                                          b->second.start_offset, target, config_.offset_reset,
                                          "retention");
    if (!old) continue;
    ++resets;
    if (metrics_) metrics_->offsetReset(committed.group_id, topic.name);
    logInfo("committed offset reset by retention")
        .kv("group", committed.group_id)
        .kv("topic", topic.name)
        .kv("partition", committed.partition)
        .kv("old_offset", *old)
        .kv("new_offset", target)
        .kv("policy", config_.offset_reset);
  }
  return resets;
}

}  // namespace mq
