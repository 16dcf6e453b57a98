#include "metaserver/lifecycle/retention_cleaner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "metaserver/lifecycle/retention_plan.h"

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
      groups_(meta_pool),
      meta_pool_(meta_pool),
      executor_(config_.retentionPacing(), [this] { return !stopping_ && keepLease(); }),
      producer_expiry_(config_.producer_id_expiration_ms, meta_, datanodes_),
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
    // 1. Every partition: read, plan, advance its start offset. 2. The groups behind the
    // new start offsets are moved at once, per topic. 3. The removal work, paced and in
    // rotation over all the partitions (retention_executor.h).
    std::vector<std::unique_ptr<PartitionRetention>> work;
    for (const auto& [name, topic] : topology.topics) {
      if (stopping_ || !keepLease()) break;
      std::map<int, PartitionBounds> bounds;
      for (const auto& partition : topic.partitions) {
        if (stopping_) break;
        if (partition.retired()) continue;
        ++summary.partitions;
        auto p = std::make_unique<PartitionRetention>();
        p->topic = name;
        p->partition = partition.partition;
        p->table = partition.table_name;
        p->limits =
            RetentionLimits{topic.retention_ms, topic.retention_bytes, topic.retention_messages};
        p->with_db = [this, datanode = partition.datanode_id,
                      doing = "applying retention to " + partition.table_name](
                         const std::function<void(DbConnection&)>& action) {
          datanodes_.withDatanode(datanode, doing, action);
        };
        auto last = last_end_.find(p->table);
        if (last != last_end_.end()) p->last_end = last->second;
        try {
          executor_.prepare(*p);
          last_end_[p->table] = p->before.end_offset;
        } catch (const rpc::MqError& e) {
          partitionFailed(summary, *p, e.message);
          continue;
        }
        bounds[partition.partition] = p->after;
        summary.deleted_messages += p->deletedMessages();
        if (metrics_) metrics_->deletedMessages(name, p->deletedMessages());
        work.push_back(std::move(p));
      }
      summary.offset_resets += resetCommittedOffsets(topic, bounds);
    }
    std::vector<PartitionRetention*> pending;
    for (auto& p : work) pending.push_back(p.get());
    executor_.run(pending);
    for (const auto& p : work) {
      const auto segments = static_cast<int64_t>(p->emptied);
      summary.segments_dropped += segments;
      summary.rows_deleted += p->rows_deleted;
      if (metrics_) {
        metrics_->segmentsDropped(segments);
        metrics_->rowsDeleted(p->rows_deleted);
      }
      if (!p->error.empty()) partitionFailed(summary, *p, p->error);
      if (p->deletedMessages() > 0 || p->rows_deleted > 0 || segments > 0) {
        logInfo("retention applied")
            .kv("topic", p->topic)
            .kv("partition", p->partition)
            .kv("limited_by", p->plan.limited_by)
            .kv("start_offset", p->after.start_offset)
            .kv("end_offset", p->after.end_offset)
            .kv("segments_emptied", segments)
            .kv("segments_dropped", p->dropped ? p->plan.drop_segments.size() : 0)
            .kv("rows_deleted", p->rows_deleted)
            .kv("finished", p->finished() && p->error.empty());
      }
    }
    // Idle idempotent producer ids go too (at most every 10 minutes).
    if (!stopping_) producer_expiry_.maybeRun(nowMs());
  } catch (const std::exception& e) {
    ok = false;
    logWarn("retention run failed").kv("error", e.what());
  }
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  if (metrics_) metrics_->retentionRun(ok && summary.errors == 0, seconds);
  if (summary.deleted_messages > 0 || summary.errors > 0 || summary.offset_resets > 0 ||
      summary.segments_dropped > 0 || summary.rows_deleted > 0) {
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

void RetentionCleaner::partitionFailed(RetentionRunSummary& summary, const PartitionRetention& p,
                                       const std::string& error) {
  ++summary.errors;
  if (metrics_) metrics_->partitionError();
  logWarn("retention failed for a partition")
      .kv("topic", p.topic)
      .kv("partition", p.partition)
      .kv("error", error);
}

int RetentionCleaner::resetCommittedOffsets(const TopicRecord& topic,
                                            const std::map<int, PartitionBounds>& bounds) {
  bool any_start = false;
  for (const auto& [partition, b] : bounds) any_start = any_start || b.start_offset > 0;
  if (!any_start) return 0;  // nothing was ever removed: no offset can be below a start
  int resets = 0;
  std::vector<CommittedOffsetRow> offsets;
  {
    auto db = meta_pool_.acquire();
    offsets = GroupStore::committedOffsets(*db, topic.name);
  }
  for (const auto& committed : offsets) {
    auto b = bounds.find(committed.partition);
    if (b == bounds.end() || committed.offset >= b->second.start_offset) continue;
    const int64_t target =
        config_.offset_reset == "latest" ? b->second.end_offset : b->second.start_offset;
    auto old = groups_.resetCommittedOffset(committed.group_id, topic.name, committed.partition,
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
