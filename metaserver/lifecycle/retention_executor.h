// Carries out retention on partitions: what the retention cleaner does in one run, and the
// very code that mq-retention-bench measures (docs/retention-and-lifecycle.md).
//
// prepare() reads one partition (bounds, segments, the first unexpired offset), plans
// (retention_plan.h) and advances its start offset at once. run() then does the removal
// work of many prepared partitions, paced so that producers hardly notice:
// - every partition DDL (REORGANIZE of pmax to add segments ahead, done first; EXCHANGE
//   PARTITION to empty a segment; DROP PARTITION of emptied ones) takes the table's exclusive
//   metadata lock: the table's appends wait until it commits (tens of ms). After a DDL on a table
//   the next DDL on that same table waits at least `ddl_gap_ms` and at least
//   `ddl_rest_factor` times as long as the DDL took (that part at most a minute), so that
//   only a small share of a table's appends ever meets one;
// - meanwhile the other partitions get their turn: run() always takes the partition whose
//   rest is over first, one DDL at a time, so the tables are worked on in rotation (one
//   segment per table per pass) and the whole run takes about (DDLs per table) x gap, not
//   (DDLs in all) x gap;
// - a DDL waits at most `ddl_lock_wait_s` for the table's lock (appends queue behind a DDL
//   that waits, e.g. behind a long transaction on the table): then it fails, and the next
//   run tries again;
// - rows that must go one by one (retention_plan.h) are deleted last, in chunks of
//   `delete_chunk` with `delete_pause_ms` between them.
// Every step is idempotent: a run that stops half-way (keep_going false, an error) leaves a
// state the next run's prepare() plans from afresh.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "metaserver/lifecycle/retention_plan.h"
#include "storage/db_pool.h"
#include "storage/partition_store.h"

namespace mq {

struct RetentionPacing {
  int64_t ddl_gap_ms = 10000;    // retention-ddl-gap
  int ddl_rest_factor = 100;     // retention-ddl-rest-factor
  int drop_emptied_min = 4;      // retention-drop-emptied
  int segments_ahead = 4;        // retention-segments-ahead
  int ddl_lock_wait_s = 2;       // retention-ddl-lock-wait: a DDL's wait for the table's lock
  int delete_chunk = 5000;       // retention-delete-chunk
  int64_t delete_pause_ms = 20;  // retention-delete-pause
  int64_t default_segment = kDefaultSegmentMessages;  // for tables that do not record theirs
};

// Runs an action with a connection to the partition's datanode.
using DatanodeAccess = std::function<void(const std::function<void(DbConnection&)>&)>;

// One partition's retention in one run.
struct PartitionRetention {
  // Given:
  std::string topic;
  int partition = 0;
  std::string table;
  RetentionLimits limits;
  // The log end at the previous run (-1: unknown): room is kept ahead of the log end for
  // twice what the partition grew since (retention_plan.h, `headroom`).
  int64_t last_end = -1;
  DatanodeAccess with_db;

  // Set by prepare():
  PartitionBounds before;  // as read
  PartitionBounds after;   // with the advanced start offset
  RetentionPlan plan;

  // Progress of run():
  size_t emptied = 0;  // plan.empty_segments done
  bool dropped = false;
  bool added = false;
  bool deleted = false;
  SteadyClock::time_point not_before{};  // no DDL on this table before
  int64_t rows_deleted = 0;
  std::string error;  // a step failed: the rest is left to the next run

  int64_t deletedMessages() const { return after.start_offset - before.start_offset; }
  bool finished() const;
};

class RetentionExecutor {
 public:
  // `keep_going` is asked between steps and during rests: false stops the run.
  RetentionExecutor(RetentionPacing pacing, std::function<bool()> keep_going);

  // Reads, plans and advances the start offset (first, before any row is removed). Throws
  // what the datanode access throws.
  void prepare(PartitionRetention& partition) const;

  // The removal steps of every prepared partition, paced and in rotation (see above).
  // Returns when all are finished or keep_going() said no. A failing partition is logged,
  // its `error` set, and its other steps skipped.
  void run(const std::vector<PartitionRetention*>& partitions) const;

 private:
  // The partition's next step; returns how long the table's writers may have waited (the
  // DDL's duration), zero for deletes.
  std::chrono::milliseconds step(PartitionRetention& partition) const;

  const RetentionPacing pacing_;
  const std::function<bool()> keep_going_;
};

}  // namespace mq
