// Every SQL statement on a datanode (sql/datanode): partition tables and their state rows.
// The broker appends and reads through it; the metaserver creates and drops tables.
//
// Hot paths and their index use:
// - append: one transaction per batch: lock the partition's state row by primary key
//   (SELECT ... FOR UPDATE), one multi-row INSERT at next_offset.., advance next_offset,
//   COMMIT. The row lock orders writers, so offsets are dense and commit in offset order.
// - read: a primary-key range scan (`offset` >= X ORDER BY `offset` LIMIT n).
// - bounds: a primary-key lookup of the state row.
// - appendTimes (lag collector): one statement per call, a UNION ALL of one primary-key
//   lookup (`offset` IN (...)) per table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/db_pool.h"
#include "mq_types.h"

namespace mq {

struct PartitionBounds {
  int64_t start_offset = 0;  // earliest offset still stored
  int64_t end_offset = 0;    // next offset to be written
};

// Identity of an idempotent producer's batch.
struct ProducerTag {
  int64_t producer_id = 0;
  int16_t epoch = 0;
  int32_t base_sequence = 0;
};

// One batch to append and, after append(), its outcome.
struct AppendBatch {
  const std::vector<const rpc::Message*>* messages = nullptr;
  std::optional<ProducerTag> producer;
  // Outcome:
  int64_t base_offset = -1;
  bool duplicate = false;  // a retry of the producer's last batch: nothing written
  rpc::ErrorCode::type error = rpc::ErrorCode::NONE;
  std::string error_message;
};

class PartitionStore {
 public:
  // Creates the table and its state row if missing (idempotent).
  static void createPartition(DbConnection& db, const std::string& table);
  static void dropPartition(DbConnection& db, const std::string& table);

  // Appends `batches` in one transaction, in order, each batch's messages contiguous, and
  // fills in each batch's outcome. Commits before returning (durable when the server runs
  // with innodb_flush_log_at_trx_commit=1). Idempotent batches are checked against the
  // producer's last batch on this partition (mq_producer_state) in the same transaction:
  // a retry of that batch gets its original offsets and writes nothing; a sequence gap or
  // an older epoch is refused. Throws sql::SQLException; then nothing was appended, unless
  // the COMMIT itself failed (outcome unknown; the lease is discarded).
  static void append(DbPool::Lease& db, const std::string& table, std::vector<AppendBatch>& batches,
                     int64_t append_ms);

  static PartitionBounds bounds(DbConnection& db, const std::string& table);
  // Bounds of many partitions of one datanode in one query (state rows by primary key).
  // Tables without a state row are absent from the result.
  static std::map<std::string, PartitionBounds> bounds(DbConnection& db,
                                                       const std::vector<std::string>& tables);

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

  // The first offset whose append time is >= timestamp_ms (binary search over primary-key
  // lookups: append times grow with offsets); `bounds.end_offset` when there is none.
  static int64_t offsetForTime(DbConnection& db, const std::string& table, int64_t timestamp_ms,
                               const PartitionBounds& bounds);
};

}  // namespace mq
