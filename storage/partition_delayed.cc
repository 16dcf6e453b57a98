// PartitionStore's delayed messages: which partitions have due ones, moving them into their
// partitions, and the orphans of dropped tables (storage/partition_store.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/clock.h"
#include "common/header_codec.h"
#include "common/log.h"
#include "storage/embedded_sql.h"
#include "storage/partition_sql.h"
#include "storage/partition_store.h"
#include "storage/producer_batches.h"

namespace mq {

std::vector<std::string> PartitionStore::partitionsWithDueMessages(DbConnection& db,
                                                                   int64_t now_ms) {
  // Driven by the state rows, not by the earliest due delayed rows: those may all belong to
  // sealed or dropped partitions, which once hid every other partition's due messages.
  auto& select = db.prepare(
      "SELECT s.table_name FROM mq_partition_state s WHERE s.sealed = 0 AND EXISTS "
      "(SELECT 1 FROM mq_delayed_messages d WHERE d.table_name = s.table_name "
      "AND d.deliver_at_ms <= ?)");
  select.setInt64(1, now_ms);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<std::string> tables;
  while (rows->next()) tables.push_back(columnText(*rows, 1));
  return tables;
}

int64_t PartitionStore::removeOrphanedDelayedMessages(DbConnection& db, int limit) {
  auto& orphans = db.prepare(
      "SELECT d.table_name FROM (SELECT table_name FROM mq_delayed_messages "
      "GROUP BY table_name) d LEFT JOIN mq_partition_state s ON s.table_name = d.table_name "
      "WHERE s.table_name IS NULL");
  std::unique_ptr<sql::ResultSet> rows(orphans.executeQuery());
  std::vector<std::string> tables;
  while (rows->next()) tables.push_back(columnText(*rows, 1));
  rows.reset();
  int64_t removed = 0;
  for (const auto& table : tables) {
    if (removed >= limit) break;
    auto& remove = db.prepare("DELETE FROM mq_delayed_messages WHERE table_name = ? LIMIT ?");
    remove.setString(1, table);
    remove.setInt(2, static_cast<int>(limit - removed));
    removed += remove.executeUpdate();
  }
  return removed;
}

int PartitionStore::moveDueMessages(DbPool::Lease& db, const std::string& table, int64_t now_ms,
                                    int limit) {
  DbTransaction transaction(db);
  // The partition's lock first, as every append takes it: offsets stay dense and in order.
  auto& lock = db->prepare(
      "SELECT next_offset, sealed, last_append_ms FROM mq_partition_state WHERE table_name = ? "
      "FOR UPDATE");
  lock.setString(1, table);
  std::unique_ptr<sql::ResultSet> state(lock.executeQuery());
  // Dropped (its delayed rows are orphans, removed apart) or sealed (read-only or retired:
  // its end offset is final; the rows wait for an unseal or go with the drop).
  if (!state->next() || state->getInt(2) != 0) return 0;
  const int64_t base = state->getInt64(1);
  const int64_t append_ms = std::max(now_ms, state->getInt64(3));  // as append() does
  state.reset();

  auto& due = db->prepare(
      "SELECT id, msg_key, headers, payload, produce_ms FROM mq_delayed_messages "
      "WHERE table_name = ? AND deliver_at_ms <= ? ORDER BY deliver_at_ms, id LIMIT ? "
      "FOR UPDATE");
  due.setString(1, table);
  due.setInt64(2, now_ms);
  due.setInt(3, limit);
  std::unique_ptr<sql::ResultSet> rows(due.executeQuery());
  std::string insert = fmt::format(
      "INSERT INTO `{}` (`offset`, msg_key, headers, payload, produce_ms, append_ms) VALUES ",
      table);
  std::string ids;
  int64_t offset = base;
  while (rows->next()) {
    if (offset != base) {
      insert += ',';
      ids += ',';
    }
    ids += std::to_string(rows->getInt64(1));
    insert += fmt::format("({},", offset++);
    for (int column : {2, 3, 4}) {
      if (rows->isNull(column)) {
        insert += "NULL,";
      } else {
        appendSqlBinaryLiteral(insert, columnText(*rows, column));
        insert += ',';
      }
    }
    insert += fmt::format("{},{})", rows->getInt64(5), append_ms);
  }
  rows.reset();
  if (offset == base) return 0;
  db->execute(insert);
  db->execute("DELETE FROM mq_delayed_messages WHERE id IN (" + ids + ")");
  auto& advance = db->prepare(
      "UPDATE mq_partition_state SET next_offset = ?, last_append_ms = ? WHERE table_name = ?");
  advance.setInt64(1, offset);
  advance.setInt64(2, append_ms);
  advance.setString(3, table);
  advance.execute();
  transaction.commit();
  return static_cast<int>(offset - base);
}

}  // namespace mq
