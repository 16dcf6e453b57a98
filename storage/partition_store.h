// Every SQL statement on a datanode (sql/datanode): partition tables and their state rows.
// The broker appends and reads through it; the metaserver creates and drops tables.
//
// Hot paths and their index use:
// - append: one transaction for a group of batches of one or many partitions of the
//   datanode: lock their state rows by primary key (one SELECT ... FOR UPDATE), one
//   multi-row INSERT per partition at its next_offset.., advance every next_offset (one
//   UPDATE), COMMIT. The row locks order writers, so offsets are dense and commit in offset
//   order; one COMMIT (one redo-log flush) acknowledges the whole group. Small groups
//   (synchronous producers) go in one round trip: one UPDATE locks and advances the state
//   rows and keeps their log ends in session variables, from which the INSERTs take their
//   offsets; other groups in two, the state rows read first.
// - read: a primary-key range scan (`offset` >= X ORDER BY `offset` LIMIT n).
// - bounds: a primary-key lookup of the state row; for a fetch (boundsAndAppendTimes) the
//   state rows of its partitions in one statement, with a primary-key lookup of the row
//   before each checked offset inside it.
// - appendTimes (lag collector): one statement per call, a UNION ALL of one primary-key
//   lookup (`offset` IN (...)) per table.
// - retention (docs/retention-and-lifecycle.md): whole segments (native RANGE partitions of
//   the table) are dropped with ALTER TABLE ... DROP PARTITION after start_offset was
//   advanced past them; tables without segments and the partly expired head of a
//   low-traffic partition lose rows by primary-key range DELETEs of a bounded size, each
//   its own short transaction, so producers at the tail never wait on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mq_types.h"
#include "storage/db_pool.h"

namespace mq {

// Offsets per segment of the tables createPartition makes unless told otherwise.
inline constexpr int64_t kDefaultSegmentMessages = 1000000;

// One native RANGE partition of a partition table: offsets [lower, upper).
struct TableSegment {
  std::string name;  // s<lower>, or pmax (upper = INT64_MAX) for everything beyond
  int64_t lower = 0;
  int64_t upper = 0;
  int64_t data_bytes = 0;  // approximate (InnoDB statistics, whole pages)
};

struct TableLayout {
  bool segmented = false;              // false: a table made before segments existed
  std::vector<TableSegment> segments;  // in offset order, pmax last
  int64_t data_bytes = 0;              // whole table, approximate
  int64_t index_bytes = 0;             // secondary indexes (none today), approximate
  int64_t segment_messages = 0;        // the table's segment width (pmax's comment); 0 = unknown
};

struct PartitionBounds {
  int64_t start_offset = 0;  // earliest offset still stored
  int64_t end_offset = 0;    // next offset to be written
};

// A partition's bounds and the append time stored at one offset of it (a fetch's
// log-divergence check, broker/handlers/fetch_handler.cc).
struct ProbedBounds {
  PartitionBounds bounds;
  std::optional<int64_t> probed_append_ms;  // none when not asked or no row has the offset
};

// Identity of an idempotent producer's batch.
struct ProducerTag {
  int64_t producer_id = 0;
  int16_t epoch = 0;
  int32_t base_sequence = 0;
};

// How an OUT_OF_ORDER_SEQUENCE refusal of a retry of an OLDER batch than the producer's last
// one ends its message (the Kafka door answers it DUPLICATE_SEQUENCE_NUMBER, which Kafka
// clients take as "already written"; a gap stays OUT_OF_ORDER_SEQUENCE_NUMBER).
inline constexpr char kOlderBatchNote[] = " (an older batch, already written)";
inline bool isOlderBatchRefusal(const std::string& message) {
  return message.size() >= sizeof(kOlderBatchNote) - 1 &&
         message.compare(message.size() - (sizeof(kOlderBatchNote) - 1), std::string::npos,
                         kOlderBatchNote) == 0;
}

// One batch to append and, after append(), its outcome.
struct AppendBatch {
  const std::vector<const rpc::Message*>* messages = nullptr;
  std::optional<ProducerTag> producer;
  // Outcome:
  int64_t base_offset = -1;
  bool duplicate = false;  // a retry of the producer's last batch: nothing written
  // The append time stored with the messages; messages with deliver_at_ms > append_ms went
  // to the delay table (so a client can tell which messages base_offset numbers).
  int64_t append_ms = 0;
  rpc::ErrorCode::type error = rpc::ErrorCode::NONE;
  std::string error_message;
};

// Where one group commit's time went (PartitionStore::append): the broker's produce stage
// metrics, and whether an exception came from the COMMIT itself.
struct AppendTrace {
  bool commit_sent = false;  // the COMMIT failed: the outcome is unknown
  // The first round trip: BEGIN, the state rows locked and read (waits for other writers of
  // the same partitions) and the idempotent producers' states. None when the group went in
  // one round trip: `write` is all of it.
  std::optional<std::chrono::steady_clock::duration> lock;
  // The second: the INSERTs, the state rows' advance and the COMMIT with its redo-log flush.
  std::chrono::steady_clock::duration write{};
};

// One partition's share of a group commit: its batches, in order.
struct PartitionAppend {
  std::string table;
  std::vector<AppendBatch> batches;
};

class PartitionStore {
 public:
  // Creates the table and its state row if missing (idempotent). The table gets two
  // segments of `segment_messages` offsets and pmax; the retention cleaner adds more ahead of
  // the log end.
  static void createPartition(DbConnection& db, const std::string& table,
                              int64_t segment_messages = kDefaultSegmentMessages);
  // Drops the table, its state row and every other row of it on this datanode: its pending
  // delayed messages (they could never be moved, and once due they took the mover's turns)
  // and its idempotent producers' state.
  static void dropPartition(DbConnection& db, const std::string& table);

  // Appends `batches` in one transaction, in order, each batch's messages contiguous, and
  // fills in each batch's outcome. Commits before returning (durable when the server runs
  // with innodb_flush_log_at_trx_commit=1). Idempotent batches are checked against the
  // producer's last five batches on this partition (mq_producer_state, producer_batches.h)
  // in the same transaction: a retry of one of them gets its original offsets and writes
  // nothing; a sequence gap, an older batch or an older epoch is refused. Throws sql::SQLException;
  // then nothing was appended, unless the COMMIT itself failed (outcome unknown; the lease is
  // discarded).
  static void append(DbPool::Lease& db, const std::string& table, std::vector<AppendBatch>& batches,
                     int64_t append_ms);
  // The same for several partitions (distinct tables) of this datanode in ONE transaction:
  // each partition's batches get dense offsets in order from its own next_offset, and one
  // COMMIT makes all of them durable, or none of them (any exception: nothing of the group
  // was appended, unless the COMMIT itself failed). Per-partition refusals (sealed, no state
  // row, idempotence) are reported in the batches and do not fail the others. `trace`, when
  // given, gets the time of each round trip and tells after an exception whether it was the
  // COMMIT that failed.
  static void append(DbPool::Lease& db, std::vector<PartitionAppend>& partitions, int64_t append_ms,
                     AppendTrace* trace = nullptr);

  // --- Delayed delivery (mq_delayed_messages) ---
  // Writable (unsealed) partitions of this datanode with messages due at now_ms: one probe
  // of ix_partition_due per partition state row. Delayed rows of sealed partitions (they
  // wait for an unseal) and of dropped ones (orphans) never take a place in this answer.
  static std::vector<std::string> partitionsWithDueMessages(DbConnection& db, int64_t now_ms);
  // Deletes up to `limit` delayed messages of partitions that have no state row any more
  // (dropped while they waited; a produce racing the drop can leave some). Finds them by a
  // loose scan of ix_partition_due (one step per partition with delayed messages). Returns
  // how many were deleted.
  static int64_t removeOrphanedDelayedMessages(DbConnection& db, int limit);
  // Moves up to `limit` due messages of one partition into it, in due order, in one
  // transaction that appends them under the partition's lock and deletes them from the
  // delay table: none is lost or moved twice, even with several movers. A sealed partition
  // takes none (its end offset is final). Returns how many.
  static int moveDueMessages(DbPool::Lease& db, const std::string& table, int64_t now_ms,
                             int limit);
  // --- Idempotent producers' state (mq_producer_state) ---
  // Producer ids with a state row on this datanode updated at or after `since_ms` (one scan
  // of the table).
  static std::set<int64_t> producersActiveSince(DbConnection& db, int64_t since_ms);
  // Deletes state rows not updated since `before_ms`; returns how many.
  static int64_t expireProducerStates(DbConnection& db, int64_t before_ms);

  // Messages of the partition still waiting for their delivery time.
  static int64_t delayedCount(DbConnection& db, const std::string& table);

  static PartitionBounds bounds(DbConnection& db, const std::string& table);
  // Bounds of many partitions of one datanode in one query (state rows by primary key).
  // Tables without a state row are absent from the result.
  static std::map<std::string, PartitionBounds> bounds(DbConnection& db,
                                                       const std::vector<std::string>& tables);
  // The same, with the append time of the row at offset `probes[table]` of each table in
  // `probes`: still one query (a primary-key lookup per probe inside it).
  static std::map<std::string, ProbedBounds> boundsAndAppendTimes(
      DbConnection& db, const std::vector<std::string>& tables,
      const std::map<std::string, int64_t>& probes);

  // Append times of messages of many partitions of one datanode in one statement: a UNION
  // ALL of `SELECT .. FROM <table> WHERE offset IN (..)`, primary-key lookups only. Returns
  // table -> offset -> append_ms; offsets with no row (deleted by retention) are absent.
  static std::map<std::string, std::map<int64_t, int64_t>> appendTimes(
      DbConnection& db, const std::map<std::string, std::vector<int64_t>>& offsets);

  // Up to max_messages messages from `from_offset` on, cut once max_bytes of key+value is
  // reached (at least one message is returned when any exists).
  static std::vector<rpc::StoredMessage> read(DbConnection& db, const std::string& table,
                                              int64_t from_offset, int max_messages,
                                              int64_t max_bytes);

  // Whether append() holds `message` in the delay table (it gets its offset once due)
  // rather than storing it in its partition now, `append_ms` being the append time.
  static bool heldForLater(const rpc::Message& message, int64_t append_ms);
  // What read() returns for `message` once append() stored it at `offset` with `append_ms`:
  // the broker's cache of recent appends (broker/recent_appends.h) builds its entries with it.
  static rpc::StoredMessage storedForm(const rpc::Message& message, int64_t offset,
                                       int64_t append_ms);
  // The part of storedForm that only the append decides: `stored`, built from `message`
  // before it (with any offset and append time), becomes storedForm(message, offset, append_ms).
  static void stamp(rpc::StoredMessage& stored, const rpc::Message& message, int64_t offset,
                    int64_t append_ms);

  // Commits a durability mark of `broker` (autocommit: its row of mq_durability_marks
  // bumped). Once it returns, every row the server showed readers before the call is
  // durable: the redo log is written in order (broker/durable_reads.h).
  static void commitDurabilityMark(DbConnection& db, const std::string& broker);

  // --- Retention and lifecycle (metaserver) ---
  // Name of the segment whose first offset is `lower`: "s<lower>".
  static std::string segmentName(int64_t lower);
  // Segment layout of many tables of one datanode in one information_schema query. Tables
  // that do not exist are absent.
  static std::map<std::string, TableLayout> layouts(DbConnection& db,
                                                    const std::vector<std::string>& tables);
  // Raises start_offset to `start` (never lowers it, never beyond next_offset). Call it
  // BEFORE removing the rows below `start`: a fetch below the start offset is answered
  // OFFSET_OUT_OF_RANGE instead of skipping silently over the missing rows.
  static void advanceStartOffset(DbConnection& db, const std::string& table, int64_t start);
  // Moves a segment's rows out of the table without dropping them under its lock: the
  // segment is swapped (ALTER TABLE ... EXCHANGE PARTITION, a rename of two files that
  // blocks the table's writers for a few ms) with an empty table `<table>_rx`, which is then
  // dropped (the slow part: freeing the file) while producers go on. The segment stays, empty,
  // for dropSegments. A `<table>_rx` left by an interrupted call is dropped first. Returns
  // how long the EXCHANGE took: the longest any writer of the table waited on it.
  // `lock_wait_s` (here and below): the most seconds a DDL waits for the table's metadata
  // lock before it fails with ER_LOCK_WAIT_TIMEOUT (0: the server's lock_wait_timeout); the
  // table's appends queue behind a DDL that waits.
  static std::chrono::milliseconds emptySegment(DbConnection& db, const std::string& table,
                                                const std::string& name, int lock_wait_s = 0);
  // ALTER TABLE ... DROP PARTITION of the named segments (one statement). Cheap for segments
  // emptied by emptySegment; a full one's file is freed while the table is locked.
  static void dropSegments(DbConnection& db, const std::string& table,
                           const std::vector<std::string>& names, int lock_wait_s = 0);
  // Splits pmax into segments ending at each of `uppers` (ascending, all above the last
  // boundary) plus a new pmax that keeps the table's segment width in its comment. Instant
  // while pmax is empty; otherwise its rows are copied.
  static void addSegments(DbConnection& db, const std::string& table, int64_t last_upper,
                          const std::vector<int64_t>& uppers, int64_t segment_messages,
                          int lock_wait_s = 0);
  // Deletes up to `limit` rows with offset < `below`, lowest first, in one autocommit
  // statement (a primary-key range). Returns the rows deleted.
  static int64_t deleteBelow(DbConnection& db, const std::string& table, int64_t below, int limit);
  // Whether any row with offset < `offset` is stored (one primary-key probe).
  static bool hasRowsBelow(DbConnection& db, const std::string& table, int64_t offset);
  // Append time of the message at `offset`, or nullopt when there is no such row.
  static std::optional<int64_t> appendTime(DbConnection& db, const std::string& table,
                                           int64_t offset);
  // Seals the partition: appends are refused from now on (PARTITION_READ_ONLY), also by a
  // broker whose topology is stale. Waits for an append in progress. Returns the bounds,
  // whose end offset is now final. Idempotent.
  static PartitionBounds seal(DbConnection& db, const std::string& table);
  static void unseal(DbConnection& db, const std::string& table);

  // The first offset whose append time is >= timestamp_ms (binary search over primary-key
  // lookups: append times grow with offsets); `bounds.end_offset` when there is none.
  static int64_t offsetForTime(DbConnection& db, const std::string& table, int64_t timestamp_ms,
                               const PartitionBounds& bounds);
};

}  // namespace mq
