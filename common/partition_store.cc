#include "common/partition_store.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/embedded_sql.h"
#include "common/header_codec.h"

namespace mq {
namespace {

std::string replaceTable(const std::string& text, const std::string& table) {
  std::string out = text;
  const std::string placeholder = "{table}";
  for (auto at = out.find(placeholder); at != std::string::npos; at = out.find(placeholder)) {
    out.replace(at, placeholder.size(), table);
  }
  return out;
}

std::string columnString(sql::ResultSet& rows, int column) {
  return std::string(rows.getString(column));
}

}  // namespace

void PartitionStore::createPartition(DbConnection& db, const std::string& table) {
  // The template is one statement, with comment lines the server ignores.
  db.execute(replaceTable(partitionTableTemplate(), table));
  auto& insert = db.prepare(
      "INSERT IGNORE INTO mq_partition_state (table_name, next_offset, start_offset, "
      "created_ms) VALUES (?, 0, 0, ?)");
  insert.setString(1, table);
  insert.setInt64(2, nowMs());
  insert.execute();
}

void PartitionStore::dropPartition(DbConnection& db, const std::string& table) {
  db.execute(fmt::format("DROP TABLE IF EXISTS `{}`", table));
  auto& remove = db.prepare("DELETE FROM mq_partition_state WHERE table_name = ?");
  remove.setString(1, table);
  remove.execute();
}

int64_t PartitionStore::append(DbPool::Lease& db, const std::string& table,
                               const std::vector<const rpc::Message*>& messages,
                               int64_t append_ms) {
  DbTransaction transaction(db);
  auto& lock = db->prepare(
      "SELECT next_offset FROM mq_partition_state WHERE table_name = ? FOR UPDATE");
  lock.setString(1, table);
  std::unique_ptr<sql::ResultSet> state(lock.executeQuery());
  if (!state->next()) {
    throw sql::SQLException(fmt::format("partition state row for {} is missing", table), "42S02",
                            1146);
  }
  const int64_t base = state->getInt64(1);
  state.reset();

  // One multi-row INSERT in the text protocol: a single round trip for the whole batch,
  // with binary-safe literals (see appendSqlBinaryLiteral).
  size_t bytes = 128;
  for (const auto* message : messages) bytes += message->value.size() + 64;
  std::string insert;
  insert.reserve(bytes);
  insert += fmt::format(
      "INSERT INTO `{}` (`offset`, msg_key, headers, payload, produce_ms, append_ms) VALUES ",
      table);
  int64_t offset = base;
  for (const auto* message : messages) {
    if (offset != base) insert += ',';
    insert += fmt::format("({},", offset++);
    if (message->__isset.key) {
      appendSqlBinaryLiteral(insert, message->key);
    } else {
      insert += "NULL";
    }
    insert += ',';
    if (message->headers.empty()) {
      insert += "NULL";
    } else {
      appendSqlBinaryLiteral(insert, encodeHeaders(message->headers));
    }
    insert += ',';
    appendSqlBinaryLiteral(insert, message->value);
    insert += fmt::format(",{},{})",
                          message->timestamp_ms > 0 ? message->timestamp_ms : append_ms,
                          append_ms);
  }
  db->execute(insert);

  auto& advance =
      db->prepare("UPDATE mq_partition_state SET next_offset = ? WHERE table_name = ?");
  advance.setInt64(1, offset);
  advance.setString(2, table);
  advance.execute();
  transaction.commit();
  return base;
}

PartitionBounds PartitionStore::bounds(DbConnection& db, const std::string& table) {
  auto& select = db.prepare(
      "SELECT start_offset, next_offset FROM mq_partition_state WHERE table_name = ?");
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
  if (tables.empty()) return result;
  std::string sql =
      "SELECT table_name, start_offset, next_offset FROM mq_partition_state WHERE table_name IN (";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) sql += ',';
    appendSqlStringLiteral(sql, tables[i]);
  }
  sql += ')';
  auto rows = db.query(sql);
  while (rows->next()) {
    result[columnString(*rows, 1)] = PartitionBounds{rows->getInt64(2), rows->getInt64(3)};
  }
  return result;
}

std::vector<rpc::StoredMessage> PartitionStore::read(DbConnection& db, const std::string& table,
                                                     int64_t from_offset, int max_messages,
                                                     int64_t max_bytes) {
  auto rows = db.query(fmt::format(
      "SELECT `offset`, msg_key, headers, payload, produce_ms, append_ms FROM `{}` "
      "WHERE `offset` >= {} ORDER BY `offset` LIMIT {}",
      table, from_offset, max_messages));
  std::vector<rpc::StoredMessage> messages;
  messages.reserve(rows->rowsCount());
  int64_t bytes = 0;
  while (rows->next()) {
    rpc::StoredMessage message;
    message.offset = rows->getInt64(1);
    if (!rows->isNull(2)) message.__set_key(columnString(*rows, 2));
    if (!rows->isNull(3)) message.headers = decodeHeaders(columnString(*rows, 3));
    message.value = columnString(*rows, 4);
    message.timestamp_ms = rows->getInt64(5);
    message.append_time_ms = rows->getInt64(6);
    bytes += static_cast<int64_t>(message.value.size() + message.key.size());
    if (!messages.empty() && bytes > max_bytes) break;
    messages.push_back(std::move(message));
  }
  return messages;
}

int64_t PartitionStore::offsetForTime(DbConnection& db, const std::string& table,
                                      int64_t timestamp_ms, const PartitionBounds& bounds) {
  auto& probe = db.prepare(fmt::format(
      "SELECT `offset`, append_ms FROM `{}` WHERE `offset` >= ? ORDER BY `offset` LIMIT 1",
      table));
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
