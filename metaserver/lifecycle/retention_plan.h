// What one retention run does to one partition: pure logic, no I/O (unit-tested in
// metaserver/tests/retention_plan_test.cc). RetentionExecutor (retention_executor.h) reads
// the inputs, asks for a plan and carries it out in this order: advance start_offset, add
// segments ahead, empty the expired segments, drop the emptied ones, delete rows.
//
// Rules:
// - A message is expired when any limit says so: older than retention_ms (the caller finds
//   the first offset that is not, `time_cut`), beyond the newest retention_messages, or
//   beyond the newest retention_bytes (per whole segment; approximate, from InnoDB's page
//   statistics). `expire_before` is the highest such cut, never beyond the log end.
// - A segmented table loses whole segments that end at or below expire_before. The first
//   remaining segment, if partly expired, is left alone while it is closed (it goes as a
//   whole later: retention overshoots by at most one segment, like Kafka's); when it is
//   the open segment holding the log end (a partition too quiet to fill a segment within
//   its retention) its expired rows are deleted in chunks, which for such a partition are
//   few.
// - A table without segments (made before segments existed) loses its expired rows by
//   chunked DELETEs.
// - start_offset moves to the first offset kept: a consumer below it gets
//   OFFSET_OUT_OF_RANGE, never a silent gap.
// - Segments are added ahead of the log end so that at least `headroom` offsets (and at
//   least one whole segment) are ready: the caller asks for twice what the partition grew
//   since the last run, so a busy partition does not outrun its boundaries. Rows already
//   written beyond the last boundary (the cleaner was away) are absorbed by one larger
//   segment. The table's width is pmax's recorded one (TableLayout::segment_messages).
//   Every REORGANIZE of pmax stalls the table's writers, so when the room runs short the
//   plan adds `segments_ahead` segments at once (at least), not just the one missing.
// - A segment is removed in two steps, each its own DDL: emptied (EXCHANGE PARTITION, its
//   rows leave) and dropped (DROP PARTITION). Segments wholly below the start offset with
//   no row below it were emptied by an earlier run; they are not exchanged again. Emptied
//   segments are dropped together, in one ALTER, once at least `drop_emptied_min` of them
//   have accumulated: an empty segment costs one small file, a DROP PARTITION a stall.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/partition_store.h"

namespace mq {

struct RetentionLimits {
  int64_t retention_ms = 0;        // 0 = no time limit
  int64_t retention_bytes = 0;     // 0 = no size limit
  int64_t retention_messages = 0;  // 0 = no count limit
};

struct RetentionPlan {
  int64_t expire_before = 0;                // offsets below this are expired
  int64_t new_start = 0;                    // start_offset after the run (>= the old one)
  std::vector<std::string> empty_segments;  // expired segments to empty (they hold rows)
  std::vector<std::string> drop_segments;   // segments to drop, once emptied (may be none yet)
  int64_t delete_below = -1;                // delete rows below this; -1 = none
  int64_t last_upper = 0;                   // the last finite boundary (for addSegments)
  std::vector<int64_t> add_uppers;          // new boundaries ahead of the log end
  int64_t segment_messages = 0;             // the table's segment width
  const char* limited_by = "";              // time, messages, bytes: the limit that cut most
};

// `time_cut`: the first offset whose append time is within retention_ms (the start offset
// when nothing is older, the log end when everything is). `rows_below_start`: rows below the
// start offset are still stored (an earlier run stopped while deleting); where rows are
// deleted one by one they are deleted too. `headroom`: empty offsets wanted ahead of the log
// end. `default_segment`: segment width when the table does not record one.
// `drop_emptied_min`: emptied segments are dropped once at least this many are (>= 1).
// `segments_ahead`: when segments must be added, at least this many are (>= 1).
RetentionPlan planRetention(const RetentionLimits& limits, const PartitionBounds& bounds,
                            const TableLayout& layout, int64_t time_cut, bool rows_below_start,
                            int64_t headroom, int64_t default_segment, int drop_emptied_min = 1,
                            int segments_ahead = 1);

}  // namespace mq
