#include "metaserver/lifecycle/retention_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "common/errors.h"
#include "common/log.h"

namespace mq {
namespace {

using std::chrono::milliseconds;

// The longest rest after a DDL that ddl_rest_factor asks for (ddl_gap_ms may ask more).
constexpr milliseconds kMaxRest{60000};

milliseconds since(SteadyClock::time_point started) {
  return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started);
}

}  // namespace

bool PartitionRetention::finished() const {
  return !error.empty() || (emptied >= plan.empty_segments.size() && dropped && added && deleted);
}

RetentionExecutor::RetentionExecutor(RetentionPacing pacing, std::function<bool()> keep_going)
    : pacing_(pacing), keep_going_(std::move(keep_going)) {}

void RetentionExecutor::prepare(PartitionRetention& p) const {
  // Everything is re-read inside the action: when the datanode connection dropped and the
  // access runs it again, the plan is made afresh from what is really there.
  p.with_db([&](DbConnection& db) {
    const std::string& table = p.table;
    const PartitionBounds bounds = PartitionStore::bounds(db, table);
    auto layouts = PartitionStore::layouts(db, {table});
    auto layout = layouts.find(table);
    if (layout == layouts.end()) {
      throwError(rpc::ErrorCode::UNKNOWN_PARTITION, fmt::format("table {} is missing", table));
    }
    // The first offset not older than retention_ms: the oldest message is checked first so
    // that the binary search runs only when something did expire.
    int64_t time_cut = bounds.start_offset;
    if (p.limits.retention_ms > 0 && bounds.end_offset > bounds.start_offset) {
      const int64_t cutoff = nowMs() - p.limits.retention_ms;
      auto oldest = PartitionStore::appendTime(db, table, bounds.start_offset);
      if (!oldest || *oldest < cutoff) {
        time_cut = PartitionStore::offsetForTime(db, table, cutoff, bounds);
      }
    }
    const bool rows_below_start =
        bounds.start_offset > 0 && PartitionStore::hasRowsBelow(db, table, bounds.start_offset);
    const int64_t headroom = p.last_end >= 0 && bounds.end_offset > p.last_end
                                 ? 2 * (bounds.end_offset - p.last_end)
                                 : 0;
    p.plan =
        planRetention(p.limits, bounds, layout->second, time_cut, rows_below_start, headroom,
                      pacing_.default_segment, pacing_.drop_emptied_min, pacing_.segments_ahead);
    // 1. The start offset first: from now on a fetch below it is OFFSET_OUT_OF_RANGE.
    if (p.plan.new_start > bounds.start_offset) {
      PartitionStore::advanceStartOffset(db, table, p.plan.new_start);
    }
    p.before = bounds;
    p.after = PartitionBounds{std::max(bounds.start_offset, p.plan.new_start), bounds.end_offset};
  });
  p.emptied = 0;
  p.dropped = p.plan.drop_segments.empty();
  p.added = p.plan.add_uppers.empty();
  p.deleted = p.plan.delete_below <= 0;
  p.not_before = SteadyClock::time_point{};
  p.error.clear();
}

void RetentionExecutor::run(const std::vector<PartitionRetention*>& partitions) const {
  while (keep_going_()) {
    // The partition whose rest is over first; ties go to the earlier one in the list.
    PartitionRetention* next = nullptr;
    for (auto* p : partitions) {
      if (!p->finished() && (!next || p->not_before < next->not_before)) next = p;
    }
    if (!next) return;
    const auto now = SteadyClock::now();
    if (next->not_before > now) {
      // Short sleeps, so that a stop is noticed soon.
      std::this_thread::sleep_for(
          std::min<SteadyClock::duration>(next->not_before - now, milliseconds(100)));
      continue;
    }
    try {
      const milliseconds locked = step(*next);
      // One very slow DDL (a datanode stalled for a second) must not park its table for
      // minutes: the rest in proportion to it is capped at kMaxRest.
      const milliseconds rest = std::max(
          {milliseconds(pacing_.ddl_gap_ms),
           std::min<milliseconds>(locked * pacing_.ddl_rest_factor, kMaxRest), since(now)});
      next->not_before = SteadyClock::now() + rest;
    } catch (const rpc::MqError& e) {
      next->error = e.message;
    } catch (const std::exception& e) {
      next->error = e.what();
    }
    if (!next->error.empty()) {
      logWarn("retention step failed; the next run takes it up")
          .kv("topic", next->topic)
          .kv("partition", next->partition)
          .kv("table", next->table)
          .kv("error", next->error);
    }
  }
}

milliseconds RetentionExecutor::step(PartitionRetention& p) const {
  const RetentionPlan& plan = p.plan;
  milliseconds locked{0};
  const char* what = "";
  const auto started = SteadyClock::now();
  p.with_db([&](DbConnection& db) {
    if (!p.added) {
      // 2. Room ahead of the log end first: rows written beyond the last boundary would make
      //    the REORGANIZE copy them.
      what = "segments added";
      if (p.before.end_offset > plan.last_upper) {
        logWarn("rows beyond the last segment boundary are being moved into a new segment")
            .kv("table", p.table)
            .kv("rows", p.before.end_offset - plan.last_upper);
      }
      PartitionStore::addSegments(db, p.table, plan.last_upper, plan.add_uppers,
                                  plan.segment_messages, pacing_.ddl_lock_wait_s);
      locked = since(started);
      p.added = true;
    } else if (p.emptied < plan.empty_segments.size()) {
      // 3. An expired segment's rows leave through EXCHANGE PARTITION (the only statement
      //    that locks the table); its file is freed outside the table's lock.
      what = "segment emptied";
      locked = PartitionStore::emptySegment(db, p.table, plan.empty_segments[p.emptied],
                                            pacing_.ddl_lock_wait_s);
      ++p.emptied;
    } else if (!p.dropped) {
      // 4. The emptied segments, in one ALTER.
      what = "emptied segments dropped";
      PartitionStore::dropSegments(db, p.table, plan.drop_segments, pacing_.ddl_lock_wait_s);
      locked = since(started);
      p.dropped = true;
    } else if (!p.deleted) {
      // 5. Rows that must go one by one: short autocommit DELETEs with a pause between.
      what = "rows deleted";
      while (keep_going_()) {
        const int64_t removed =
            PartitionStore::deleteBelow(db, p.table, plan.delete_below, pacing_.delete_chunk);
        p.rows_deleted += removed;
        if (removed < pacing_.delete_chunk) {
          p.deleted = true;
          break;
        }
        std::this_thread::sleep_for(milliseconds(pacing_.delete_pause_ms));
      }
    }
  });
  logDebug("retention step")
      .kv("table", p.table)
      .kv("step", what)
      .kv("ms", since(started).count())
      .kv("locked_ms", locked.count());
  return locked;
}

}  // namespace mq
