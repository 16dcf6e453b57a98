#include "storage/partition_store.h"

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
#include "storage/producer_batches.h"

namespace mq {
namespace partition_sql {

std::string replaceTable(const std::string& text, const std::string& table) {
  std::string out = text;
  const std::string placeholder = "{table}";
  for (auto at = out.find(placeholder); at != std::string::npos; at = out.find(placeholder)) {
    out.replace(at, placeholder.size(), table);
  }
  return out;
}

std::string pmaxClause(int64_t segment_messages) {
  return fmt::format("PARTITION pmax VALUES LESS THAN MAXVALUE COMMENT = '{}{}'", kWidthComment,
                     segment_messages);
}

rpc::StoredMessage storedMessage(sql::ResultSet& rows) {
  rpc::StoredMessage message;
  message.offset = rows.getInt64(1);
  if (!rows.isNull(2)) message.__set_key(columnText(rows, 2));
  if (!rows.isNull(3)) message.headers = decodeHeaders(columnText(rows, 3));
  message.value = columnText(rows, 4);
  message.timestamp_ms = rows.getInt64(5);
  message.append_time_ms = rows.getInt64(6);
  return message;
}

}  // namespace partition_sql

using partition_sql::pmaxClause;
using partition_sql::replaceTable;

void PartitionStore::createPartition(DbConnection& db, const std::string& table,
                                     int64_t segment_messages) {
  // The template is one statement, with comment lines the server ignores.
  std::string ddl = replaceTable(partitionTableTemplate(), table);
  const int64_t size = std::max<int64_t>(1, segment_messages);
  const std::string segments =
      fmt::format("PARTITION {} VALUES LESS THAN ({}), PARTITION {} VALUES LESS THAN ({}), {}",
                  segmentName(0), size, segmentName(size), 2 * size, pmaxClause(size));
  const std::string placeholder = "{segments}";
  for (auto at = ddl.find(placeholder); at != std::string::npos; at = ddl.find(placeholder)) {
    ddl.replace(at, placeholder.size(), segments);
  }
  db.execute(ddl);
  auto& insert = db.prepare(
      "INSERT IGNORE INTO mq_partition_state (table_name, next_offset, start_offset, "
      "created_ms) VALUES (?, 0, 0, ?)");
  insert.setString(1, table);
  insert.setInt64(2, nowMs());
  insert.execute();
}

void PartitionStore::dropPartition(DbConnection& db, const std::string& table) {
  db.execute(fmt::format("DROP TABLE IF EXISTS `{}`", table));
  // The state row last: until it is gone a retried drop finds the partition again. Rows of
  // a partition dropped before these deletes existed are removed by the delay mover
  // (removeOrphanedDelayedMessages) and the producer expiry.
  for (const char* statement : {"DELETE FROM mq_delayed_messages WHERE table_name = ?",
                                "DELETE FROM mq_producer_state WHERE table_name = ?",
                                "DELETE FROM mq_partition_state WHERE table_name = ?"}) {
    auto& remove = db.prepare(statement);
    remove.setString(1, table);
    remove.execute();
  }
}

int64_t PartitionStore::delayedCount(DbConnection& db, const std::string& table) {
  auto& count = db.prepare("SELECT COUNT(*) FROM mq_delayed_messages WHERE table_name = ?");
  count.setString(1, table);
  std::unique_ptr<sql::ResultSet> rows(count.executeQuery());
  return rows->next() ? rows->getInt64(1) : 0;
}

PartitionBounds PartitionStore::bounds(DbConnection& db, const std::string& table) {
  auto& select =
      db.prepare("SELECT start_offset, next_offset FROM mq_partition_state WHERE table_name = ?");
  select.setString(1, table);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) {
    throw sql::SQLException(fmt::format("partition state row for {} is missing", table), "42S02",
                            1146);
  }
  return PartitionBounds{rows->getInt64(1), rows->getInt64(2)};
}

std::map<std::string, PartitionBounds> PartitionStore::bounds(
    DbConnection& db, const std::vector<std::string>& tables) {
  std::map<std::string, PartitionBounds> result;
  for (auto& [table, probed] : boundsAndAppendTimes(db, tables, {})) result[table] = probed.bounds;
  return result;
}

std::map<std::string, ProbedBounds> PartitionStore::boundsAndAppendTimes(
    DbConnection& db, const std::vector<std::string>& tables,
    const std::map<std::string, int64_t>& probes) {
  std::map<std::string, ProbedBounds> result;
  if (tables.empty()) return result;
  std::string sql = "SELECT table_name, start_offset, next_offset, ";
  if (probes.empty()) {
    sql += "NULL";
  } else {
    sql += "CASE table_name";
    for (const auto& [table, offset] : probes) {
      sql += " WHEN ";
      appendSqlStringLiteral(sql, table);
      sql += fmt::format(" THEN (SELECT append_ms FROM `{}` WHERE `offset` = {})", table, offset);
    }
    sql += " END";
  }
  sql += " FROM mq_partition_state WHERE table_name IN (";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) sql += ',';
    appendSqlStringLiteral(sql, tables[i]);
  }
  sql += ')';
  auto rows = db.query(sql);
  while (rows->next()) {
    ProbedBounds& probed = result[columnText(*rows, 1)];
    probed.bounds = PartitionBounds{rows->getInt64(2), rows->getInt64(3)};
    if (!rows->isNull(4)) probed.probed_append_ms = rows->getInt64(4);
  }
  return result;
}

std::map<std::string, std::map<int64_t, int64_t>> PartitionStore::appendTimes(
    DbConnection& db, const std::map<std::string, std::vector<int64_t>>& offsets) {
  std::map<std::string, std::map<int64_t, int64_t>> result;
  std::string sql;
  for (const auto& [table, wanted] : offsets) {
    if (wanted.empty()) continue;
    if (!sql.empty()) sql += " UNION ALL ";
    sql += "SELECT ";
    appendSqlStringLiteral(sql, table);
    sql += fmt::format(", `offset`, append_ms FROM `{}` WHERE `offset` IN (", table);
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (i > 0) sql += ',';
      sql += std::to_string(wanted[i]);
    }
    sql += ')';
  }
  if (sql.empty()) return result;
  auto rows = db.query(sql);
  while (rows->next()) {
    result[columnText(*rows, 1)][rows->getInt64(2)] = rows->getInt64(3);
  }
  return result;
}

std::vector<rpc::StoredMessage> PartitionStore::read(DbConnection& db, const std::string& table,
                                                     int64_t from_offset, int max_messages,
                                                     int64_t max_bytes) {
  auto rows =
      db.query(fmt::format("SELECT {} FROM `{}` WHERE `offset` >= {} ORDER BY `offset` LIMIT {}",
                           partition_sql::kMessageColumns, table, from_offset, max_messages));
  std::vector<rpc::StoredMessage> messages;
  messages.reserve(rows->rowsCount());
  int64_t bytes = 0;
  while (rows->next()) {
    rpc::StoredMessage message = partition_sql::storedMessage(*rows);
    bytes += static_cast<int64_t>(message.value.size() + message.key.size());
    if (!messages.empty() && bytes > max_bytes) break;
    messages.push_back(std::move(message));
  }
  return messages;
}

bool PartitionStore::hasRowsBelow(DbConnection& db, const std::string& table, int64_t offset) {
  auto rows =
      db.query(fmt::format("SELECT 1 FROM `{}` WHERE `offset` < {} LIMIT 1", table, offset));
  return rows->next();
}

void PartitionStore::commitDurabilityMark(DbConnection& db, const std::string& broker) {
  auto& mark = db.prepare(
      "INSERT INTO mq_durability_marks (broker, marks) VALUES (?, 1) "
      "ON DUPLICATE KEY UPDATE marks = marks + 1");
  mark.setString(1, broker);
  mark.executeUpdate();
}

std::optional<int64_t> PartitionStore::appendTime(DbConnection& db, const std::string& table,
                                                  int64_t offset) {
  auto rows =
      db.query(fmt::format("SELECT append_ms FROM `{}` WHERE `offset` = {}", table, offset));
  if (!rows->next()) return std::nullopt;
  return rows->getInt64(1);
}

PartitionBounds PartitionStore::seal(DbConnection& db, const std::string& table) {
  // The UPDATE waits for the row lock an append in progress holds; every later append reads
  // sealed = 1 under that lock. So next_offset read afterwards is final.
  auto& update = db.prepare("UPDATE mq_partition_state SET sealed = 1 WHERE table_name = ?");
  update.setString(1, table);
  update.execute();
  return bounds(db, table);
}

void PartitionStore::unseal(DbConnection& db, const std::string& table) {
  auto& update = db.prepare("UPDATE mq_partition_state SET sealed = 0 WHERE table_name = ?");
  update.setString(1, table);
  update.execute();
}

int64_t PartitionStore::offsetForTime(DbConnection& db, const std::string& table,
                                      int64_t timestamp_ms, const PartitionBounds& bounds) {
  auto& probe = db.prepare(fmt::format(
      "SELECT `offset`, append_ms FROM `{}` WHERE `offset` >= ? ORDER BY `offset` LIMIT 1", table));
  // Invariant: every offset < lo is older than timestamp_ms; the answer is <= hi.
  int64_t lo = bounds.start_offset;
  int64_t hi = bounds.end_offset;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    probe.setInt64(1, mid);
    std::unique_ptr<sql::ResultSet> rows(probe.executeQuery());
    if (!rows->next()) {
      hi = mid;
      continue;
    }
    int64_t found = rows->getInt64(1);
    if (rows->getInt64(2) >= timestamp_ms) {
      hi = mid;
    } else {
      lo = found + 1;
    }
  }
  return lo;
}

}  // namespace mq
