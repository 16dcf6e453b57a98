// Every SQL statement on a datanode (sql/datanode): partition tables and their state rows.
// The broker appends and reads through it; the metaserver creates and drops tables.
//
// Hot paths and their index use:
// - append: one transaction per batch: lock the partition's state row by primary key
//   (SELECT ... FOR UPDATE), one multi-row INSERT at next_offset.., advance next_offset,
//   COMMIT. The row lock orders writers, so offsets are dense and commit in offset order.
// - read: a primary-key range scan (`offset` >= X ORDER BY `offset` LIMIT n).
// - bounds: a primary-key lookup of the state row.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/db_pool.h"
#include "mq_types.h"

namespace mq {

struct PartitionBounds {
  int64_t start_offset = 0;  // earliest offset still stored
  int64_t end_offset = 0;    // next offset to be written
};

class PartitionStore {
 public:
  // Creates the table and its state row if missing (idempotent).
  static void createPartition(DbConnection& db, const std::string& table);
  static void dropPartition(DbConnection& db, const std::string& table);

  // Appends `messages` atomically and returns the first one's offset. Commits before
  // returning (durable when the server runs with innodb_flush_log_at_trx_commit=1).
  // Throws sql::SQLException; on failure nothing was appended unless the COMMIT itself
  // failed, in which case the outcome is unknown (the lease is discarded).
  static int64_t append(DbPool::Lease& db, const std::string& table,
                        const std::vector<const rpc::Message*>& messages, int64_t append_ms);

  static PartitionBounds bounds(DbConnection& db, const std::string& table);
  // Bounds of many partitions of one datanode in one query (state rows by primary key).
  // Tables without a state row are absent from the result.
  static std::map<std::string, PartitionBounds> bounds(DbConnection& db,
                                                       const std::vector<std::string>& tables);

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
