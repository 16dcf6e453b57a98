// PartitionStore's appends: one batch, and the group commit of many partitions with their
// idempotent producers' state (storage/partition_store.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/clock.h"
#include "common/header_codec.h"
#include "common/log.h"
#include "common/message_bytes.h"
#include "storage/embedded_sql.h"
#include "storage/partition_sql.h"
#include "storage/partition_store.h"
#include "storage/producer_batches.h"

namespace mq {

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

// Refuses every batch of a partition with `code`: none of them is written.
void refuseAll(std::vector<AppendBatch>& batches, rpc::ErrorCode::type code,
               const std::string& message) {
  for (auto& batch : batches) {
    batch.error = code;
    batch.error_message = message;
  }
}

// The most message bytes the text statements of a transaction may carry as hex literals:
// doubled, they stay well under the 16 MiB max_allowed_packet a MariaDB server has by
// default. More (a single request of more than 4 MiB that prepared INSERTs do not take)
// go as escaped strings.
constexpr int64_t kMaxHexLiteralBytes = 4 << 20;

// The most message bytes of one prepared INSERT: its packet carries them as they are, so
// that it too stays well under the server's 16 MiB max_allowed_packet.
constexpr int64_t kMaxPreparedBytes = 4 << 20;

void appendBytes(std::string& insert, std::string_view bytes, bool hex) {
  if (hex) {
    appendSqlHexLiteral(insert, bytes);
  } else {
    appendSqlBinaryLiteral(insert, bytes);
  }
}

// Appends "key,headers,value" as SQL literals (NULL for a missing key or no headers).
void appendMessageColumns(std::string& insert, const rpc::Message& message, bool hex) {
  if (message.__isset.key) {
    appendBytes(insert, message.key, hex);
  } else {
    insert += "NULL";
  }
  insert += ',';
  if (message.headers.empty()) {
    insert += "NULL";
  } else {
    appendBytes(insert, encodeHeaders(message.headers), hex);
  }
  insert += ',';
  appendBytes(insert, message.value, hex);
}

int64_t produceTime(const rpc::Message& message, int64_t append_ms) {
  return message.timestamp_ms > 0 ? message.timestamp_ms : append_ms;
}

// One row of a partition table: (offset, key, headers, payload, produce_ms, append_ms).
void appendRow(std::string& insert, int64_t offset, const rpc::Message& message, int64_t append_ms,
               bool hex) {
  insert += fmt::format("({},", offset);
  appendMessageColumns(insert, message, hex);
  insert += fmt::format(",{},{})", produceTime(message, append_ms), append_ms);
}

// One row of mq_delayed_messages: (table, deliver_at, key, headers, payload, produce_ms).
void appendDelayedRow(std::string& insert, const std::string& table, const rpc::Message& message,
                      int64_t append_ms, bool hex) {
  insert += '(';
  appendSqlStringLiteral(insert, table);
  insert += fmt::format(",{},", message.deliver_at_ms);
  appendMessageColumns(insert, message, hex);
  insert += fmt::format(",{})", produceTime(message, append_ms));
}

// A row of a partition table, its offset assigned.
struct PendingRow {
  int64_t offset;
  const rpc::Message* message;
};

// Rows go to the server in prepared INSERTs (binary protocol: MariaDB copies the bytes where
// it would lex literals, about a fifth less CPU per row, docs/perf.md) in statements of
// power-of-two row counts from kMinPreparedRows to kMaxPreparedRows: at most three shapes
// per table, and a partition of a few rows costs no extra round trip. A connection keeps a
// bounded number of them (DbConnection::prepareRecent); rows whose shape it does not keep
// go in the text INSERT.
constexpr size_t kMinPreparedRows = 16;
constexpr size_t kMaxPreparedRows = 64;

// "INSERT INTO `table` (columns) VALUES ", rows to follow.
std::string insertInto(const std::string& table) {
  return fmt::format("INSERT INTO `{}` ({}) VALUES ", table, partition_sql::kMessageColumns);
}

// The columns of a row: offset, key, headers, value, produce time, append time.
constexpr size_t kInsertColumns = 6;

std::string preparedInsertSql(const std::string& table, size_t rows) {
  std::string row = "(?";
  for (size_t c = 1; c < kInsertColumns; ++c) row += ",?";
  row += ')';
  std::string sql = insertInto(table) + row;
  for (size_t i = 1; i < rows; ++i) sql += ',' + row;
  return sql;
}

// setString copies the value; `scratch` is the SQLString it is copied from, reused for every
// value of an INSERT so that passing it costs a copy into its buffer and no allocation.
void bindBytes(sql::PreparedStatement& insert, unsigned column, std::string_view bytes,
               sql::SQLString& scratch) {
  scratch->assign(bytes.data(), bytes.size());
  insert.setString(column, scratch);
}

// The message bytes of rows[from, from + count).
int64_t rowBytes(const std::vector<PendingRow>& rows, size_t from, size_t count) {
  int64_t bytes = 0;
  for (size_t r = from; r < from + count; ++r) bytes += messageBytes(*rows[r].message);
  return bytes;
}

// Writes the leading rows of `rows` in prepared INSERTs; returns how many it wrote (the rest
// are fewer than kMinPreparedRows, the next kMinPreparedRows carry more than
// kMaxPreparedBytes, or the connection keeps no statement for them now).
size_t insertPrepared(DbConnection& db, const std::string& table,
                      const std::vector<PendingRow>& rows, int64_t append_ms) {
  size_t from = 0;
  while (rows.size() - from >= kMinPreparedRows) {
    size_t count = kMaxPreparedRows;
    while (count > rows.size() - from) count /= 2;
    while (count >= kMinPreparedRows && rowBytes(rows, from, count) > kMaxPreparedBytes) {
      count /= 2;
    }
    if (count < kMinPreparedRows) break;
    sql::PreparedStatement* prepared =
        db.prepareRecent(fmt::format("{}/{}", table, count), count * kInsertColumns,
                         [&] { return preparedInsertSql(table, count); });
    if (prepared == nullptr) break;
    sql::PreparedStatement& insert = *prepared;
    sql::SQLString scratch;
    unsigned column = 1;
    for (size_t r = from; r < from + count; ++r) {
      const rpc::Message& message = *rows[r].message;
      insert.setInt64(column++, rows[r].offset);
      if (message.__isset.key) {
        bindBytes(insert, column++, message.key, scratch);
      } else {
        insert.setNull(column++, sql::DataType::VARBINARY);
      }
      if (message.headers.empty()) {
        insert.setNull(column++, sql::DataType::VARBINARY);
      } else {
        bindBytes(insert, column++, encodeHeaders(message.headers), scratch);
      }
      bindBytes(insert, column++, message.value, scratch);
      insert.setInt64(column++, produceTime(message, append_ms));
      insert.setInt64(column++, append_ms);
    }
    insert.executeUpdate();
    from += count;
  }
  return from;
}

}  // namespace

bool PartitionStore::heldForLater(const rpc::Message& message, int64_t append_ms) {
  return message.deliver_at_ms > append_ms;
}

// The row appendRow and insertPrepared write, as partition_sql::storedMessage reads it.
rpc::StoredMessage PartitionStore::storedForm(const rpc::Message& message, int64_t offset,
                                              int64_t append_ms) {
  rpc::StoredMessage stored;
  if (message.__isset.key) stored.__set_key(message.key);
  stored.headers = message.headers;
  stored.value = message.value;
  stamp(stored, message, offset, append_ms);
  return stored;
}

void PartitionStore::stamp(rpc::StoredMessage& stored, const rpc::Message& message, int64_t offset,
                           int64_t append_ms) {
  stored.offset = offset;
  stored.timestamp_ms = produceTime(message, append_ms);
  stored.append_time_ms = append_ms;
}

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
// never lock the same rows in opposite orders. The statements on the state rows force the
// primary key: on a small table the optimizer would rather scan it all, and a scan locks
// (or waits for) the rows of other groups' partitions too, which deadlocked two groups on
// disjoint partitions (one SELECT ... FOR UPDATE against the other's UPDATE).
std::string lockStateRowsSql(const std::vector<PartitionAppend>& partitions) {
  return "SELECT table_name, next_offset, sealed, last_append_ms FROM mq_partition_state "
         "FORCE INDEX (PRIMARY) WHERE table_name IN (" +
         tableList(partitions) + ") FOR UPDATE";
}

// The locked state rows in the order of `partitions`; none for a partition without one.
std::vector<std::optional<StateRow>> readStateRows(sql::ResultSet& rows,
                                                   const std::vector<PartitionAppend>& partitions) {
  std::map<std::string, StateRow> found;
  while (rows.next()) {
    found[columnText(rows, 1)] = StateRow{rows.getInt64(2), rows.getBoolean(3), rows.getInt64(4)};
  }
  std::vector<std::optional<StateRow>> states;
  states.reserve(partitions.size());
  for (const auto& partition : partitions) {
    auto at = found.find(partition.table);
    states.push_back(at == found.end() ? std::nullopt : std::optional<StateRow>(at->second));
  }
  return states;
}

// Refuses a partition's batches when its state row says it takes none: missing (the
// partition is being dropped) or sealed. Returns whether it did.
bool refusedByState(const std::optional<StateRow>& state, PartitionAppend& partition) {
  if (!state) {
    refuseAll(partition.batches, rpc::ErrorCode::UNKNOWN_TOPIC,
              fmt::format("partition state row for {} is missing (partition being dropped?)",
                          partition.table));
    return true;
  }
  if (state->sealed) {  // read-only or retired (see seal()): its end offset is final
    refuseAll(partition.batches, rpc::ErrorCode::PARTITION_READ_ONLY,
              fmt::format("partition table {} is sealed (read-only)", partition.table));
    return true;
  }
  return false;
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
    auto at = producers.find(ProducerKey{columnText(rows, 1), rows.getInt64(2)});
    if (at == producers.end()) continue;
    const AppendedBatch last{rows.getInt(4), rows.getInt(5), rows.getInt64(6)};
    at->second = ProducerState{static_cast<int16_t>(rows.getInt(3)),
                               RetainedBatches::decode(last, columnText(rows, 7)), false};
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
  return "UPDATE mq_partition_state FORCE INDEX (PRIMARY) SET next_offset = CASE table_name" +
         offsets + " END, last_append_ms = CASE table_name" + times + " END WHERE table_name IN (" +
         names + ")";
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

// Sends `writes` (ending in COMMIT) in one round trip and marks the transaction committed.
// When the COMMIT itself failed the outcome is unknown: the trace says so and the
// connection is discarded.
std::vector<std::unique_ptr<sql::ResultSet>> runAndCommit(DbPool::Lease& db,
                                                          DbTransaction& transaction,
                                                          const StatementBatch& writes,
                                                          AppendTrace& trace) {
  size_t completed = 0;
  std::vector<std::unique_ptr<sql::ResultSet>> results;
  try {
    results = db->executeBatch(writes, &completed);
  } catch (...) {
    if (completed + 1 == writes.size()) {  // the COMMIT failed: outcome unknown
      trace.commit_sent = true;
      db.discard();
    }
    throw;
  }
  transaction.committed();
  return results;
}

// Two batches of statements (one round trip each on a multi-statement connection): BEGIN,
// lock and read the state rows (and idempotent producers' states); then the INSERTs, the
// state rows' advance, the producer states and COMMIT. A partition with kMinPreparedRows
// rows or more sends most of them in between, in prepared INSERTs (a round trip each).
void appendInTwoTrips(DbPool::Lease& db, std::vector<PartitionAppend>& partitions,
                      int64_t append_ms, AppendTrace& trace) {
  const auto started = SteadyClock::now();
  ProducerStates producers;
  StatementBatch reads;
  reads.add("START TRANSACTION");
  reads.add(lockStateRowsSql(partitions));
  const std::string producer_query = producerStatesSql(partitions, producers);
  if (!producer_query.empty()) reads.add(producer_query);
  DbTransaction transaction(db, DbTransaction::Begun{});
  auto results = db->executeBatch(reads);
  const auto states = readStateRows(*results.at(0), partitions);
  if (!producer_query.empty()) readProducerStates(*results.at(1), producers);
  results.clear();
  const auto locked = SteadyClock::now();
  trace.lock = locked - started;

  // Messages due later go to the datanode's delay table in the same transaction, all
  // partitions' in one statement: (partition, message).
  std::vector<std::pair<size_t, const rpc::Message*>> delayed;
  std::vector<int64_t> next_offsets(partitions.size());
  std::vector<bool> writable(partitions.size());  // not refused by its state row
  // Per partition: never below its latest append time, so that append times do not go down
  // along its offsets (sql/datanode/007).
  std::vector<int64_t> append_times(partitions.size());
  // Per partition, its rows that prepared INSERTs did not take: they go in the text INSERT.
  std::vector<std::vector<PendingRow>> text_rows(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    const std::string& table = partitions[i].table;
    auto& batches = partitions[i].batches;
    if (refusedByState(states[i], partitions[i])) continue;
    writable[i] = true;
    next_offsets[i] = states[i]->next_offset;
    append_times[i] = std::max(append_ms, states[i]->last_append_ms);
    const int64_t partition_ms = append_times[i];
    const int64_t base = states[i]->next_offset;
    int64_t offset = base;
    std::vector<PendingRow> rows;
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
        if (PartitionStore::heldForLater(*message, partition_ms)) {
          delayed.emplace_back(i, message);
          continue;
        }
        if (batch.base_offset < 0) batch.base_offset = offset;
        rows.push_back(PendingRow{offset++, message});
      }
    }
    next_offsets[i] = offset;
    // Most rows of a large partition now, in prepared INSERTs; the rest in one text INSERT
    // in the batch sent at the end.
    const size_t prepared = insertPrepared(*db, table, rows, partition_ms);
    text_rows[i].assign(rows.begin() + static_cast<std::ptrdiff_t>(prepared), rows.end());
  }
  // The statements sent at the end, with the COMMIT: each partition's text rows as one
  // multi-row INSERT written in place (no copy of the message text), the delayed rows, the
  // state rows' advance and the producers' states.
  int64_t text_bytes = 0;
  for (const auto& rows : text_rows) {
    for (const auto& row : rows) text_bytes += messageBytes(*row.message) + 64;
  }
  for (const auto& [i, message] : delayed) text_bytes += messageBytes(*message) + 64;
  const bool hex = text_bytes <= kMaxHexLiteralBytes;
  StatementBatch writes;
  writes.reserve(static_cast<size_t>(256 + (hex ? 2 : 1) * text_bytes));
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (text_rows[i].empty()) continue;
    std::string& insert = writes.next();
    insert += insertInto(partitions[i].table);
    for (size_t r = 0; r < text_rows[i].size(); ++r) {
      if (r > 0) insert += ',';
      appendRow(insert, text_rows[i][r].offset, *text_rows[i][r].message, append_times[i], hex);
    }
  }
  if (!delayed.empty()) {
    std::string& insert = writes.next();
    insert +=
        "INSERT INTO mq_delayed_messages (table_name, deliver_at_ms, msg_key, headers, payload, "
        "produce_ms) VALUES ";
    for (size_t d = 0; d < delayed.size(); ++d) {
      if (d > 0) insert += ',';
      const auto [i, message] = delayed[d];
      appendDelayedRow(insert, partitions[i].table, *message, append_times[i], hex);
    }
  }
  std::vector<size_t> advanced;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (writable[i] && next_offsets[i] != states[i]->next_offset) advanced.push_back(i);
  }
  if (!advanced.empty()) writes.add(advanceSql(partitions, next_offsets, append_times, advanced));
  const std::string upsert = producerUpsertSql(producers, append_ms);
  if (!upsert.empty()) writes.add(upsert);
  // With nothing to write (only duplicates, refusals or sealed partitions) this only ends
  // the transaction and releases the locks.
  writes.add("COMMIT");
  runAndCommit(db, transaction, writes, trace);
  trace.write = SteadyClock::now() - locked;
}

// Whether a group can go in one round trip (appendInOneTrip): every partition has rows, no
// batch is idempotent (its producer's state must be read before deciding), no message is
// held for later (that depends on the partition's append time), fewer than
// kMinPreparedRows rows per partition (more go in prepared INSERTs, a round trip each
// anyway) and at most kMaxHexLiteralBytes of messages. That is the shape of synchronous
// producers: a few rows per partition, where the round trips are most of the time.
bool fitsOneTrip(const std::vector<PartitionAppend>& partitions, int64_t append_ms) {
  int64_t bytes = 0;
  for (const auto& partition : partitions) {
    size_t rows = 0;
    for (const auto& batch : partition.batches) {
      if (batch.producer) return false;
      for (const auto* message : *batch.messages) {
        if (PartitionStore::heldForLater(*message, append_ms)) return false;
        bytes += messageBytes(*message) + 64;
      }
      rows += batch.messages->size();
    }
    if (rows == 0 || rows >= kMinPreparedRows) return false;
  }
  return bytes <= kMaxHexLiteralBytes;
}

// The session variables of partition i in appendInOneTrip: its log end and append time.
std::string logEndVariable(size_t i) { return fmt::format("@mq_end{}", i); }
std::string appendTimeVariable(size_t i) { return fmt::format("@mq_ms{}", i); }

// Every partition's two session variables, each followed by `after`: "@mq_end0{after},
// @mq_ms0{after},...".
std::string logEndVariables(size_t partitions, std::string_view after) {
  std::string list;
  for (size_t i = 0; i < partitions; ++i) {
    if (i > 0) list += ',';
    list += fmt::format("{}{},{}{}", logEndVariable(i), after, appendTimeVariable(i), after);
  }
  return list;
}

// Locks the state rows of the group (in key order, as lockStateRowsSql), advances each
// unsealed partition's log end by its row count and its last append time to the later of
// `append_ms` and its own, and keeps the log end from before and that append time in the
// partition's session variables (neither assignment reads the column the other sets).
std::string advanceAndKeepSql(const std::vector<PartitionAppend>& partitions,
                              const std::vector<int64_t>& counts, int64_t append_ms) {
  std::string ends;
  std::string times;
  for (size_t i = 0; i < partitions.size(); ++i) {
    std::string when = " WHEN ";
    appendSqlStringLiteral(when, partitions[i].table);
    ends += when + fmt::format(" THEN ({} := next_offset) + {}", logEndVariable(i), counts[i]);
    times += when + fmt::format(" THEN ({} := GREATEST({}, last_append_ms))", appendTimeVariable(i),
                                append_ms);
  }
  return fmt::format(
      "UPDATE mq_partition_state FORCE INDEX (PRIMARY) SET next_offset = CASE table_name{} END, "
      "last_append_ms = CASE table_name{} END WHERE table_name IN ({}) AND sealed = 0",
      ends, times, tableList(partitions));
}

// Partition i's rows at offsets from its log end variable: a NULL end (sealed, or no state
// row) fails the INSERT (the session is strict, DbPool).
std::string insertAtLogEndSql(const PartitionAppend& partition, size_t i) {
  std::string insert = insertInto(partition.table);
  const std::string end = logEndVariable(i);
  const std::string append_time = appendTimeVariable(i);
  int64_t place = 0;
  for (const auto& batch : partition.batches) {
    for (const auto* message : *batch.messages) {
      if (place > 0) insert += ',';
      insert += fmt::format("({} + {},", end, place++);
      appendMessageColumns(insert, *message, true);
      if (message->timestamp_ms > 0) {
        insert += fmt::format(",{},{})", message->timestamp_ms, append_time);
      } else {
        insert += fmt::format(",{},{})", append_time, append_time);
      }
    }
  }
  return insert;
}

// ER_BAD_NULL_ERROR: an INSERT met a NULL log end.
constexpr int kNullColumnError = 1048;

// One batch of statements, one round trip (as perf/raw_bench.cc's one-trip variant): BEGIN,
// one UPDATE that locks the state rows, advances them by the row counts and keeps each
// partition's log end from before and append time in session variables, one multi-row
// INSERT per partition at offsets from its variable, the variables read back (the offsets
// and times the rows got), COMMIT: the offsets and append times appendInTwoTrips would give,
// without waiting for the state rows before writing. Returns false, with nothing written,
// when a partition is sealed or has no state row (its log end stays NULL and its INSERT
// fails): appendInTwoTrips then tells which.
bool appendInOneTrip(DbPool::Lease& db, std::vector<PartitionAppend>& partitions, int64_t append_ms,
                     AppendTrace& trace) {
  const auto started = SteadyClock::now();
  StatementBatch writes;
  std::vector<int64_t> counts(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    for (const auto& batch : partitions[i].batches) {
      counts[i] += static_cast<int64_t>(batch.messages->size());
    }
  }
  writes.add("START TRANSACTION");
  // Cleared first: a partition the UPDATE does not advance (sealed, or no state row) keeps
  // NULL.
  writes.add("SET " + logEndVariables(partitions.size(), " = NULL"));
  writes.add(advanceAndKeepSql(partitions, counts, append_ms));
  for (size_t i = 0; i < partitions.size(); ++i) writes.add(insertAtLogEndSql(partitions[i], i));
  writes.add("SELECT " + logEndVariables(partitions.size(), ""));  // what the INSERTs used
  writes.add("COMMIT");
  std::vector<std::unique_ptr<sql::ResultSet>> results;
  {
    DbTransaction transaction(db, DbTransaction::Begun{});
    try {
      results = runAndCommit(db, transaction, writes, trace);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kNullColumnError && !trace.commit_sent) return false;
      throw;
    }
  }
  sql::ResultSet& ends = *results.at(0);
  if (!ends.next()) throw std::runtime_error("the group's log ends were not returned");
  for (size_t i = 0; i < partitions.size(); ++i) {
    const int64_t end = ends.getInt64(static_cast<uint32_t>(2 * i + 1));
    const int64_t partition_ms = ends.getInt64(static_cast<uint32_t>(2 * i + 2));
    int64_t offset = end;
    for (auto& batch : partitions[i].batches) {
      batch.append_ms = partition_ms;
      if (!batch.messages->empty()) batch.base_offset = offset;
      offset += static_cast<int64_t>(batch.messages->size());
    }
  }
  trace.write = SteadyClock::now() - started;
  return true;
}

}  // namespace

void PartitionStore::append(DbPool::Lease& db, std::vector<PartitionAppend>& partitions,
                            int64_t append_ms, AppendTrace* trace) {
  AppendTrace ignored;
  if (!trace) trace = &ignored;
  *trace = AppendTrace{};
  if (partitions.empty()) return;
  if (fitsOneTrip(partitions, append_ms) && appendInOneTrip(db, partitions, append_ms, *trace)) {
    return;
  }
  appendInTwoTrips(db, partitions, append_ms, *trace);
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

}  // namespace mq
