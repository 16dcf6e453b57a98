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

namespace {

struct ProducerState {
  int16_t epoch = 0;
  int32_t last_sequence = 0;
  int32_t last_count = 0;
  int64_t last_base_offset = 0;
  bool changed = false;
};

// Decides an idempotent batch against the producer's state on this partition. Returns
// false when the batch must not be written (duplicate or refused; `batch` says which).
bool admitIdempotent(AppendBatch& batch, std::optional<ProducerState>& state) {
  const ProducerTag& tag = *batch.producer;
  const int32_t count = static_cast<int32_t>(batch.messages->size());
  auto refuse = [&](rpc::ErrorCode::type code, std::string message) {
    batch.error = code;
    batch.error_message = std::move(message);
    return false;
  };
  if (!state) {
    if (tag.base_sequence != 0) {
      return refuse(rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE,
                    fmt::format("producer {} has no batch on this partition; its first "
                                "sequence must be 0, got {}",
                                tag.producer_id, tag.base_sequence));
    }
    return true;
  }
  if (tag.epoch < state->epoch) {
    return refuse(rpc::ErrorCode::PRODUCER_FENCED,
                  fmt::format("producer {} epoch {} is fenced by epoch {}", tag.producer_id,
                              tag.epoch, state->epoch));
  }
  if (tag.epoch > state->epoch) {
    if (tag.base_sequence != 0) {
      return refuse(rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE,
                    fmt::format("producer {} started epoch {}; its first sequence must be 0, "
                                "got {}",
                                tag.producer_id, tag.epoch, tag.base_sequence));
    }
    return true;
  }
  if (tag.base_sequence == state->last_sequence && count == state->last_count) {
    batch.duplicate = true;
    batch.base_offset = state->last_base_offset;
    return false;
  }
  const int32_t expected = state->last_sequence + state->last_count;
  if (tag.base_sequence != expected) {
    return refuse(rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE,
                  fmt::format("producer {} epoch {}: expected sequence {}, got {}{}",
                              tag.producer_id, tag.epoch, expected, tag.base_sequence,
                              tag.base_sequence < expected ? " (an older batch, already written)"
                                                           : " (a gap: batches were lost)"));
  }
  return true;
}

void appendRow(std::string& insert, int64_t offset, const rpc::Message& message,
               int64_t append_ms) {
  insert += fmt::format("({},", offset);
  if (message.__isset.key) {
    appendSqlBinaryLiteral(insert, message.key);
  } else {
    insert += "NULL";
  }
  insert += ',';
  if (message.headers.empty()) {
    insert += "NULL";
  } else {
    appendSqlBinaryLiteral(insert, encodeHeaders(message.headers));
  }
  insert += ',';
  appendSqlBinaryLiteral(insert, message.value);
  insert += fmt::format(",{},{})", message.timestamp_ms > 0 ? message.timestamp_ms : append_ms,
                        append_ms);
}

}  // namespace

void PartitionStore::append(DbPool::Lease& db, const std::string& table,
                            std::vector<AppendBatch>& batches, int64_t append_ms) {
  DbTransaction transaction(db);
  auto& lock =
      db->prepare("SELECT next_offset FROM mq_partition_state WHERE table_name = ? FOR UPDATE");
  lock.setString(1, table);
  std::unique_ptr<sql::ResultSet> state(lock.executeQuery());
  if (!state->next()) {
    throw sql::SQLException(fmt::format("partition state row for {} is missing", table), "42S02",
                            1146);
  }
  const int64_t base = state->getInt64(1);
  state.reset();

  // Producer states of the idempotent batches, read under the partition lock.
  std::map<int64_t, std::optional<ProducerState>> producers;
  for (const auto& batch : batches) {
    if (!batch.producer || producers.count(batch.producer->producer_id)) continue;
    auto& select = db->prepare(
        "SELECT epoch, last_sequence, last_count, last_base_offset FROM mq_producer_state "
        "WHERE table_name = ? AND producer_id = ?");
    select.setString(1, table);
    select.setInt64(2, batch.producer->producer_id);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    auto& slot = producers[batch.producer->producer_id];
    if (rows->next()) {
      slot = ProducerState{static_cast<int16_t>(rows->getInt(1)), rows->getInt(2), rows->getInt(3),
                           rows->getInt64(4), false};
    }
  }

  // One multi-row INSERT in the text protocol: a single round trip for every batch of the
  // group, with binary-safe literals (see appendSqlBinaryLiteral).
  size_t bytes = 128;
  for (const auto& batch : batches) {
    for (const auto* message : *batch.messages) bytes += message->value.size() + 64;
  }
  std::string insert;
  insert.reserve(bytes);
  insert += fmt::format(
      "INSERT INTO `{}` (`offset`, msg_key, headers, payload, produce_ms, append_ms) VALUES ",
      table);
  int64_t offset = base;
  for (auto& batch : batches) {
    if (batch.producer) {
      auto& producer = producers[batch.producer->producer_id];
      if (!admitIdempotent(batch, producer)) continue;
      producer = ProducerState{batch.producer->epoch, batch.producer->base_sequence,
                               static_cast<int32_t>(batch.messages->size()), offset, true};
    }
    batch.base_offset = offset;
    for (const auto* message : *batch.messages) {
      if (offset != base) insert += ',';
      appendRow(insert, offset++, *message, append_ms);
    }
  }
  if (offset == base) {  // only duplicates or refusals: nothing to write
    transaction.commit();
    return;
  }
  db->execute(insert);

  auto& advance = db->prepare("UPDATE mq_partition_state SET next_offset = ? WHERE table_name = ?");
  advance.setInt64(1, offset);
  advance.setString(2, table);
  advance.execute();
  for (const auto& [producer_id, producer] : producers) {
    if (!producer || !producer->changed) continue;
    auto& upsert = db->prepare(
        "INSERT INTO mq_producer_state (table_name, producer_id, epoch, last_sequence, "
        "last_count, last_base_offset, updated_ms) VALUES (?,?,?,?,?,?,?) "
        "ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), last_sequence = VALUES(last_sequence), "
        "last_count = VALUES(last_count), last_base_offset = VALUES(last_base_offset), "
        "updated_ms = VALUES(updated_ms)");
    upsert.setString(1, table);
    upsert.setInt64(2, producer_id);
    upsert.setInt(3, producer->epoch);
    upsert.setInt(4, producer->last_sequence);
    upsert.setInt(5, producer->last_count);
    upsert.setInt64(6, producer->last_base_offset);
    upsert.setInt64(7, append_ms);
    upsert.execute();
  }
  transaction.commit();
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
    result[columnString(*rows, 1)][rows->getInt64(2)] = rows->getInt64(3);
  }
  return result;
}

std::vector<rpc::StoredMessage> PartitionStore::read(DbConnection& db, const std::string& table,
                                                     int64_t from_offset, int max_messages,
                                                     int64_t max_bytes) {
  auto rows = db.query(
      fmt::format("SELECT `offset`, msg_key, headers, payload, produce_ms, append_ms FROM `{}` "
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
