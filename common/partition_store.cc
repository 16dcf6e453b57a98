#include "common/partition_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/clock.h"
#include "common/embedded_sql.h"
#include "common/header_codec.h"
#include "common/log.h"
#include "common/producer_batches.h"

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

// The catch-all last segment. Its comment records the table's segment width, so that the
// width survives drops and REORGANIZEs (information_schema.PARTITIONS.PARTITION_COMMENT).
constexpr const char* kWidthComment = "segment_messages=";

std::string pmaxClause(int64_t segment_messages) {
  return fmt::format("PARTITION pmax VALUES LESS THAN MAXVALUE COMMENT = '{}{}'", kWidthComment,
                     segment_messages);
}

}  // namespace

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

namespace {

struct ProducerState {
  int16_t epoch = 0;
  RetainedBatches batches;  // never empty once the producer appended here
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
  if (auto stored = state->batches.find(tag.base_sequence, count)) {
    batch.duplicate = true;
    batch.base_offset = stored->base_offset;
    return false;
  }
  const AppendedBatch& last = *state->batches.newest();
  const int32_t expected = last.sequence + last.count;
  if (tag.base_sequence != expected) {
    return refuse(rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE,
                  fmt::format("producer {} epoch {}: expected sequence {}, got {}{}",
                              tag.producer_id, tag.epoch, expected, tag.base_sequence,
                              tag.base_sequence < expected ? kOlderBatchNote
                                                           : " (a gap: batches were lost)"));
  }
  return true;
}

// Appends "key,headers,value" as SQL literals (NULL for a missing key or no headers).
void appendMessageColumns(std::string& insert, const rpc::Message& message) {
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
}

int64_t produceTime(const rpc::Message& message, int64_t append_ms) {
  return message.timestamp_ms > 0 ? message.timestamp_ms : append_ms;
}

// One row of a partition table: (offset, key, headers, payload, produce_ms, append_ms).
void appendRow(std::string& insert, int64_t offset, const rpc::Message& message,
               int64_t append_ms) {
  insert += fmt::format("({},", offset);
  appendMessageColumns(insert, message);
  insert += fmt::format(",{},{})", produceTime(message, append_ms), append_ms);
}

// One row of mq_delayed_messages: (table, deliver_at, key, headers, payload, produce_ms).
void appendDelayedRow(std::string& insert, const std::string& table, const rpc::Message& message,
                      int64_t append_ms) {
  insert += '(';
  appendSqlStringLiteral(insert, table);
  insert += fmt::format(",{},", message.deliver_at_ms);
  appendMessageColumns(insert, message);
  insert += fmt::format(",{})", produceTime(message, append_ms));
}

}  // namespace

void PartitionStore::append(DbPool::Lease& db, const std::string& table,
                            std::vector<AppendBatch>& batches, int64_t append_ms) {
  std::vector<PartitionAppend> partitions(1);
  partitions[0].table = table;
  partitions[0].batches = std::move(batches);
  try {
    append(db, partitions, append_ms);
  } catch (...) {
    batches = std::move(partitions[0].batches);
    throw;
  }
  batches = std::move(partitions[0].batches);
}

namespace {

// `'a','b',...`: the tables as string literals, for IN lists.
std::string tableList(const std::vector<PartitionAppend>& partitions) {
  std::string list;
  for (const auto& partition : partitions) {
    if (!list.empty()) list += ',';
    appendSqlStringLiteral(list, partition.table);
  }
  return list;
}

struct StateRow {
  int64_t next_offset = 0;
  bool sealed = false;
  int64_t last_append_ms = 0;  // append times never go down along the offsets (sql/datanode/007)
};

// Locks the state rows of every partition of the group: one statement for all. InnoDB locks
// an IN list on the primary key in key order, whatever the list's order, so two groups
// never lock the same rows in opposite orders.
std::string lockStateRowsSql(const std::vector<PartitionAppend>& partitions) {
  return "SELECT table_name, next_offset, sealed, last_append_ms FROM mq_partition_state "
         "WHERE table_name IN (" +
         tableList(partitions) + ") FOR UPDATE";
}

// The locked state rows in the order of `partitions`. Throws (1146) when one is missing.
std::vector<StateRow> readStateRows(sql::ResultSet& rows,
                                    const std::vector<PartitionAppend>& partitions) {
  std::map<std::string, StateRow> found;
  while (rows.next()) {
    found[columnString(rows, 1)] = StateRow{rows.getInt64(2), rows.getBoolean(3), rows.getInt64(4)};
  }
  std::vector<StateRow> states;
  states.reserve(partitions.size());
  for (const auto& partition : partitions) {
    auto at = found.find(partition.table);
    if (at == found.end()) {
      throw sql::SQLException(fmt::format("partition state row for {} is missing", partition.table),
                              "42S02", 1146);
    }
    states.push_back(at->second);
  }
  return states;
}

using ProducerKey = std::pair<std::string, int64_t>;  // (table, producer id)
using ProducerStates = std::map<ProducerKey, std::optional<ProducerState>>;

// The query for the stored state of every idempotent producer with a batch in the group (a
// primary-key lookup per (table, producer)), read under the partitions' locks; empty when
// no batch is idempotent. Fills `producers` with every key, no state yet.
std::string producerStatesSql(const std::vector<PartitionAppend>& partitions,
                              ProducerStates& producers) {
  std::string where;
  for (const auto& partition : partitions) {
    for (const auto& batch : partition.batches) {
      if (!batch.producer) continue;
      ProducerKey key{partition.table, batch.producer->producer_id};
      if (!producers.emplace(key, std::nullopt).second) continue;
      where += where.empty() ? "(table_name = " : " OR (table_name = ";
      appendSqlStringLiteral(where, key.first);
      where += fmt::format(" AND producer_id = {})", key.second);
    }
  }
  if (where.empty()) return "";
  return "SELECT table_name, producer_id, epoch, last_sequence, last_count, last_base_offset, "
         "earlier_batches FROM mq_producer_state WHERE " +
         where;
}

void readProducerStates(sql::ResultSet& rows, ProducerStates& producers) {
  while (rows.next()) {
    auto at = producers.find(ProducerKey{columnString(rows, 1), rows.getInt64(2)});
    if (at == producers.end()) continue;
    const AppendedBatch last{rows.getInt(4), rows.getInt(5), rows.getInt64(6)};
    at->second = ProducerState{static_cast<int16_t>(rows.getInt(3)),
                               RetainedBatches::decode(last, columnString(rows, 7)), false};
  }
}

// Advances the log ends of the partitions at `advanced`: one statement for all.
std::string advanceSql(const std::vector<PartitionAppend>& partitions,
                       const std::vector<int64_t>& next_offsets,
                       const std::vector<int64_t>& append_times,
                       const std::vector<size_t>& advanced) {
  std::string offsets;
  std::string times;
  std::string names;
  for (size_t i : advanced) {
    std::string when = " WHEN ";
    appendSqlStringLiteral(when, partitions[i].table);
    offsets += when + fmt::format(" THEN {}", next_offsets[i]);
    times += when + fmt::format(" THEN {}", append_times[i]);
    if (!names.empty()) names += ',';
    appendSqlStringLiteral(names, partitions[i].table);
  }
  return "UPDATE mq_partition_state SET next_offset = CASE table_name" + offsets +
         " END, last_append_ms = CASE table_name" + times + " END WHERE table_name IN (" + names +
         ")";
}

// The idempotent producers' new states: one upsert for all; empty when none changed.
std::string producerUpsertSql(const ProducerStates& producers, int64_t append_ms) {
  std::string values;
  for (const auto& [key, producer] : producers) {
    if (!producer || !producer->changed) continue;
    if (!values.empty()) values += ',';
    values += '(';
    appendSqlStringLiteral(values, key.first);
    const AppendedBatch& last = *producer->batches.newest();
    values += fmt::format(",{},{},{},{},{},", key.second, producer->epoch, last.sequence,
                          last.count, last.base_offset);
    appendSqlStringLiteral(values, producer->batches.encodeEarlier());
    values += fmt::format(",{})", append_ms);
  }
  if (values.empty()) return "";
  return "INSERT INTO mq_producer_state (table_name, producer_id, epoch, last_sequence, "
         "last_count, last_base_offset, earlier_batches, updated_ms) VALUES " +
         values +
         " ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), last_sequence = "
         "VALUES(last_sequence), last_count = VALUES(last_count), last_base_offset = "
         "VALUES(last_base_offset), earlier_batches = VALUES(earlier_batches), "
         "updated_ms = VALUES(updated_ms)";
}

}  // namespace

// Two batches of statements (one round trip each on a multi-statement connection): BEGIN,
// lock and read the state rows (and idempotent producers' states); then the INSERTs, the
// state rows' advance, the producer states and COMMIT.
void PartitionStore::append(DbPool::Lease& db, std::vector<PartitionAppend>& partitions,
                            int64_t append_ms, AppendTrace* trace) {
  AppendTrace ignored;
  if (!trace) trace = &ignored;
  *trace = AppendTrace{};
  if (partitions.empty()) return;
  const auto started = SteadyClock::now();
  ProducerStates producers;
  StatementBatch reads;
  reads.add("START TRANSACTION");
  reads.add(lockStateRowsSql(partitions));
  const std::string producer_query = producerStatesSql(partitions, producers);
  if (!producer_query.empty()) reads.add(producer_query);
  DbTransaction transaction(db, DbTransaction::Begun{});
  auto results = db->executeBatch(reads);
  const std::vector<StateRow> states = readStateRows(*results.at(0), partitions);
  if (!producer_query.empty()) readProducerStates(*results.at(1), producers);
  results.clear();
  const auto locked = SteadyClock::now();
  trace->lock = locked - started;

  // Messages due later go to the datanode's delay table in the same transaction, all
  // partitions' in one statement.
  std::string delayed =
      "INSERT INTO mq_delayed_messages (table_name, deliver_at_ms, msg_key, headers, payload, "
      "produce_ms) VALUES ";
  size_t delayed_rows = 0;
  std::vector<int64_t> next_offsets(partitions.size());
  // Per partition: never below its latest append time, so that append times do not go down
  // along its offsets (sql/datanode/007).
  std::vector<int64_t> append_times(partitions.size());
  // One multi-row INSERT per partition with rows, ..., each written in place into the batch
  // sent to the server (no copy of a group's message text).
  StatementBatch writes;
  size_t bytes = 256;
  for (const auto& partition : partitions) {
    for (const auto& batch : partition.batches) {
      for (const auto* message : *batch.messages) bytes += message->value.size() + 64;
    }
  }
  writes.reserve(bytes);
  for (size_t i = 0; i < partitions.size(); ++i) {
    const std::string& table = partitions[i].table;
    auto& batches = partitions[i].batches;
    next_offsets[i] = states[i].next_offset;
    append_times[i] = std::max(append_ms, states[i].last_append_ms);
    const int64_t partition_ms = append_times[i];
    if (states[i].sealed) {  // read-only or retired (see seal()): its end offset is final
      for (auto& batch : batches) {
        batch.error = rpc::ErrorCode::PARTITION_READ_ONLY;
        batch.error_message = fmt::format("partition table {} is sealed (read-only)", table);
      }
      continue;
    }
    // One multi-row INSERT in the text protocol for every batch of the partition, with
    // binary-safe literals (see appendSqlBinaryLiteral).
    std::string& insert = writes.next();
    insert += fmt::format(
        "INSERT INTO `{}` (`offset`, msg_key, headers, payload, produce_ms, append_ms) VALUES ",
        table);
    const int64_t base = states[i].next_offset;
    int64_t offset = base;
    for (auto& batch : batches) {
      batch.append_ms = partition_ms;
      if (batch.producer) {
        auto& producer = producers[ProducerKey{table, batch.producer->producer_id}];
        if (!admitIdempotent(batch, producer)) continue;
        // A new epoch starts the producer's history on this partition afresh.
        if (!producer || producer->epoch != batch.producer->epoch) {
          producer = ProducerState{batch.producer->epoch, RetainedBatches(), true};
        }
        producer->batches.push(AppendedBatch{batch.producer->base_sequence,
                                             static_cast<int32_t>(batch.messages->size()), offset});
        producer->changed = true;
      }
      for (const auto* message : *batch.messages) {
        if (message->deliver_at_ms > partition_ms) {
          if (delayed_rows++ > 0) delayed += ',';
          appendDelayedRow(delayed, table, *message, partition_ms);
          continue;
        }
        if (batch.base_offset < 0) batch.base_offset = offset;
        if (offset != base) insert += ',';
        appendRow(insert, offset++, *message, partition_ms);
      }
    }
    next_offsets[i] = offset;
    if (offset == base) writes.dropLast();  // no row for the table itself
  }
  if (delayed_rows > 0) writes.add(delayed);
  std::vector<size_t> advanced;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (next_offsets[i] != states[i].next_offset) advanced.push_back(i);
  }
  if (!advanced.empty()) writes.add(advanceSql(partitions, next_offsets, append_times, advanced));
  const std::string upsert = producerUpsertSql(producers, append_ms);
  if (!upsert.empty()) writes.add(upsert);
  // With nothing to write (only duplicates, refusals or sealed partitions) this only ends
  // the transaction and releases the locks.
  writes.add("COMMIT");
  size_t completed = 0;
  try {
    db->executeBatch(writes, &completed);
  } catch (...) {
    if (completed + 1 == writes.size()) {  // the COMMIT failed: outcome unknown
      trace->commit_sent = true;
      db.discard();
    }
    throw;
  }
  transaction.committed();
  trace->write = SteadyClock::now() - locked;
}

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
  while (rows->next()) tables.push_back(columnString(*rows, 1));
  return tables;
}

int64_t PartitionStore::removeOrphanedDelayedMessages(DbConnection& db, int limit) {
  auto& orphans = db.prepare(
      "SELECT d.table_name FROM (SELECT table_name FROM mq_delayed_messages "
      "GROUP BY table_name) d LEFT JOIN mq_partition_state s ON s.table_name = d.table_name "
      "WHERE s.table_name IS NULL");
  std::unique_ptr<sql::ResultSet> rows(orphans.executeQuery());
  std::vector<std::string> tables;
  while (rows->next()) tables.push_back(columnString(*rows, 1));
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
        appendSqlBinaryLiteral(insert, columnString(*rows, column));
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

std::set<int64_t> PartitionStore::producersActiveSince(DbConnection& db, int64_t since_ms) {
  auto& select =
      db.prepare("SELECT DISTINCT producer_id FROM mq_producer_state WHERE updated_ms >= ?");
  select.setInt64(1, since_ms);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::set<int64_t> producers;
  while (rows->next()) producers.insert(rows->getInt64(1));
  return producers;
}

int64_t PartitionStore::expireProducerStates(DbConnection& db, int64_t before_ms) {
  auto& remove = db.prepare("DELETE FROM mq_producer_state WHERE updated_ms < ?");
  remove.setInt64(1, before_ms);
  return remove.executeUpdate();
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

namespace {

// ER_TABLES_DIFFERENT_METADATA: EXCHANGE PARTITION with a table of another definition.
constexpr int kTablesDifferentMetadata = 1736;

// Runs a partition DDL with the wait for the table's metadata lock bounded to `lock_wait_s`
// seconds (0: the server's lock_wait_timeout, a day by default). While a DDL waits for that
// lock (behind a long transaction on the table), every later append of the table waits
// behind the DDL; bounded, it gives up (ER_LOCK_WAIT_TIMEOUT) and is tried again later.
void partitionDdl(DbConnection& db, const std::string& sql, int lock_wait_s) {
  if (lock_wait_s <= 0) {
    db.execute(sql);
    return;
  }
  db.execute(fmt::format("SET SESSION lock_wait_timeout = {}", lock_wait_s));
  try {
    db.execute(sql);
  } catch (...) {
    try {
      db.execute("SET SESSION lock_wait_timeout = DEFAULT");
    } catch (...) {  // the connection is gone; the pool discards it
    }
    throw;
  }
  db.execute("SET SESSION lock_wait_timeout = DEFAULT");
}

}  // namespace

std::string PartitionStore::segmentName(int64_t lower) { return fmt::format("s{}", lower); }

std::map<std::string, TableLayout> PartitionStore::layouts(DbConnection& db,
                                                           const std::vector<std::string>& tables) {
  std::map<std::string, TableLayout> result;
  if (tables.empty()) return result;
  // PARTITION_NAME is NULL for a table without partitions. PARTITION_DESCRIPTION is the
  // upper bound ("MAXVALUE" for pmax).
  std::string sql =
      "SELECT TABLE_NAME, PARTITION_NAME, PARTITION_DESCRIPTION, DATA_LENGTH, "
      "PARTITION_COMMENT, INDEX_LENGTH "
      "FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) sql += ',';
    appendSqlStringLiteral(sql, tables[i]);
  }
  sql += ") ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION";
  auto rows = db.query(sql);
  while (rows->next()) {
    TableLayout& layout = result[columnString(*rows, 1)];
    const int64_t bytes = rows->isNull(4) ? 0 : rows->getInt64(4);
    layout.data_bytes += bytes;
    layout.index_bytes += rows->isNull(6) ? 0 : rows->getInt64(6);
    if (rows->isNull(2)) continue;  // not segmented
    layout.segmented = true;
    TableSegment segment;
    segment.name = columnString(*rows, 2);
    const std::string upper = columnString(*rows, 3);
    segment.upper = upper == "MAXVALUE" ? std::numeric_limits<int64_t>::max() : std::stoll(upper);
    // s<lower> names its first offset; the first segment left after drops has no
    // predecessor to take it from.
    segment.lower = layout.segments.empty() ? 0 : layout.segments.back().upper;
    if (segment.name.size() > 1 && segment.name[0] == 's' &&
        segment.name.find_first_not_of("0123456789", 1) == std::string::npos) {
      segment.lower = std::stoll(segment.name.substr(1));
    }
    segment.data_bytes = bytes;
    const std::string comment = rows->isNull(5) ? "" : columnString(*rows, 5);
    if (comment.rfind(kWidthComment, 0) == 0) {
      layout.segment_messages = std::atoll(comment.c_str() + std::strlen(kWidthComment));
    }
    layout.segments.push_back(std::move(segment));
  }
  return result;
}

void PartitionStore::advanceStartOffset(DbConnection& db, const std::string& table, int64_t start) {
  auto& update = db.prepare(
      "UPDATE mq_partition_state SET start_offset = LEAST(?, next_offset) "
      "WHERE table_name = ? AND start_offset < ?");
  update.setInt64(1, start);
  update.setString(2, table);
  update.setInt64(3, start);
  update.execute();
}

std::chrono::milliseconds PartitionStore::emptySegment(DbConnection& db, const std::string& table,
                                                       const std::string& name, int lock_wait_s) {
  using std::chrono::milliseconds;
  const std::string spare = table + "_rx";
  auto lap = std::chrono::steady_clock::now();
  auto took = [&lap] {
    const auto now = std::chrono::steady_clock::now();
    const auto ms = std::chrono::duration_cast<milliseconds>(now - lap);
    lap = now;
    return ms;
  };
  // The spare must have the same columns and keys without partitioning: what EXCHANGE
  // PARTITION requires. It is made from the partition table's template without its PARTITION
  // clause: one file, where CREATE TABLE ... LIKE would make one per segment and REMOVE
  // PARTITIONING rebuild it (file creations and deletions that slow every commit of the
  // datanode down). A table whose definition is not the template's (EXCHANGE refuses the
  // spare) gets a copy of its own definition instead.
  const std::string exchange =
      fmt::format("ALTER TABLE `{}` EXCHANGE PARTITION {} WITH TABLE `{}`", table, name, spare);
  db.execute(fmt::format("DROP TABLE IF EXISTS `{}`", spare));
  std::string ddl = replaceTable(partitionTableTemplate(), spare);
  ddl = ddl.substr(0, ddl.find("PARTITION BY"));
  db.execute(ddl);
  milliseconds made = took();
  try {
    partitionDdl(db, exchange, lock_wait_s);
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kTablesDifferentMetadata) throw;
    db.execute(fmt::format("DROP TABLE `{}`", spare));
    db.execute(fmt::format("CREATE TABLE `{}` LIKE `{}`", spare, table));
    db.execute(fmt::format("ALTER TABLE `{}` REMOVE PARTITIONING", spare));
    made = took();
    partitionDdl(db, exchange, lock_wait_s);
  }
  const milliseconds exchanged = took();
  db.execute(fmt::format("DROP TABLE `{}`", spare));
  logDebug("segment emptied")
      .kv("table", table)
      .kv("segment", name)
      .kv("spare_made_ms", made.count())
      .kv("exchange_ms", exchanged.count())
      .kv("spare_dropped_ms", took().count());
  return exchanged;
}

void PartitionStore::dropSegments(DbConnection& db, const std::string& table,
                                  const std::vector<std::string>& names, int lock_wait_s) {
  if (names.empty()) return;
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
  partitionDdl(db, fmt::format("ALTER TABLE `{}` DROP PARTITION {}", table, list), lock_wait_s);
}

void PartitionStore::addSegments(DbConnection& db, const std::string& table, int64_t last_upper,
                                 const std::vector<int64_t>& uppers, int64_t segment_messages,
                                 int lock_wait_s) {
  if (uppers.empty()) return;
  std::string parts;
  int64_t lower = last_upper;
  for (int64_t upper : uppers) {
    parts += fmt::format("PARTITION {} VALUES LESS THAN ({}), ", segmentName(lower), upper);
    lower = upper;
  }
  parts += pmaxClause(segment_messages);
  partitionDdl(db,
               fmt::format("ALTER TABLE `{}` REORGANIZE PARTITION pmax INTO ({})", table, parts),
               lock_wait_s);
}

// The statements below name one table each: they use the text protocol rather than
// prepare(), whose per-connection cache would keep a server-side statement for every table
// the metaserver ever cleaned (the server allows max_prepared_stmt_count in total).

int64_t PartitionStore::deleteBelow(DbConnection& db, const std::string& table, int64_t below,
                                    int limit) {
  std::unique_ptr<sql::Statement> statement(db.raw().createStatement());
  return statement->executeUpdate(fmt::format(
      "DELETE FROM `{}` WHERE `offset` < {} ORDER BY `offset` LIMIT {}", table, below, limit));
}

bool PartitionStore::hasRowsBelow(DbConnection& db, const std::string& table, int64_t offset) {
  auto rows =
      db.query(fmt::format("SELECT 1 FROM `{}` WHERE `offset` < {} LIMIT 1", table, offset));
  return rows->next();
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
