#include "perf/raw_bench.h"

#include <fmt/format.h>

#include <atomic>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "perf/produce_bench.h"
#include "perf/raw_tail.h"
#include "perf/run_counters.h"
#include "perf/scratch_database.h"
#include "perf/summary.h"
#include "perf/topic_setup.h"
#include "storage/db_pool.h"
#include "storage/migrations.h"
#include "storage/partition_store.h"

namespace mq::perf {
namespace {

// A connection that fails this often in a row is not coming back; stop that thread.
constexpr int kMaxConsecutiveErrors = 10;

std::string tableName(int index) { return fmt::format("mq_raw_p{}", index); }

std::string serverVariable(DbConnection& db, const std::string& query) {
  auto rows = db.query(query);
  return rows->next() ? std::string(rows->getString(rows->getMetaData()->getColumnCount())) : "";
}

// The VALUES rows of the broker's multi-row INSERT (PartitionStore::append) for keyless,
// header-less messages; offsets are `offset_prefix` + base + i (the prefix lets the one-trip
// variant compute them on the server).
std::string insertStatement(const std::string& table, const std::string& offset_prefix,
                            int64_t base, const std::vector<rpc::Message>& messages,
                            int64_t append_ms) {
  std::string insert;
  insert.reserve(messages.size() * (2 * messages.front().value.size() + 64) + 128);
  insert += fmt::format(
      "INSERT INTO `{}` (`offset`, msg_key, headers, payload, produce_ms, append_ms) VALUES ",
      table);
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) insert += ',';
    insert += fmt::format("({}{},NULL,NULL,", offset_prefix, base + static_cast<int64_t>(i));
    appendSqlHexLiteral(insert, messages[i].value);  // as the broker writes them
    insert += fmt::format(",{},{})", messages[i].timestamp_ms, append_ms);
  }
  return insert;
}

// The tables connection `index` writes: tables_per_txn of them, disjoint per connection.
std::vector<std::string> tablesOf(const PerfConfig& config, int index) {
  std::vector<std::string> tables;
  for (int j = 0; j < config.tables_per_txn; ++j) {
    tables.push_back(tableName(index * config.tables_per_txn + j));
  }
  return tables;
}

// Appends one batch of rows to each of its tables per transaction over one connection, the
// way --append says. Throws on failure; reconnect() then gives it a fresh connection.
class Appender {
 public:
  Appender(DbPool& pool, std::vector<std::string> tables, std::string variant)
      : pool_(pool),
        tables_(std::move(tables)),
        variant_(std::move(variant)),
        next_offsets_(tables_.size(), 0) {
    reconnect();
  }

  void append(const std::vector<rpc::Message>& messages) {
    if (variant_ == "plain") {
      (*lease_)->execute(insertStatement(tables_[0], "", next_offsets_[0], messages, nowMs()));
    } else if (variant_ == "prepared" || variant_ == "prepared-chunks") {
      insertPrepared(messages);
    } else if (variant_ == "one-trip") {
      appendInOneTrip(messages);
    } else if (tables_.size() == 1) {
      appendLikeBroker(messages);
    } else {
      appendToManyLikeBroker(messages);
    }
    for (auto& offset : next_offsets_) offset += static_cast<int64_t>(messages.size());
  }

  void reconnect() {
    if (lease_) lease_->discard();
    lease_.reset();
    lease_.emplace(pool_.acquire());
  }

 private:
  // --append prepared: the plain INSERT as a server-side prepared statement (binary
  // protocol: no literal for the server to lex), prepared once per row count on the
  // connection and reused. --append prepared-chunks: in one transaction, as prepared
  // INSERTs of power-of-two row counts (100 rows: 64 + 32 + 4), which bounds the shapes a
  // connection prepares per table.
  void insertPrepared(const std::vector<rpc::Message>& messages) {
    if (variant_ == "prepared") {
      insertPreparedRows(messages, 0, messages.size());
      return;
    }
    (*lease_)->execute("START TRANSACTION");
    for (size_t from = 0; from < messages.size();) {
      size_t rows = 1;
      while (rows * 2 <= messages.size() - from) rows *= 2;
      insertPreparedRows(messages, from, rows);
      from += rows;
    }
    (*lease_)->execute("COMMIT");
  }

  void insertPreparedRows(const std::vector<rpc::Message>& messages, size_t from, size_t rows) {
    std::string sql = fmt::format(
        "INSERT INTO `{}` (`offset`, msg_key, headers, payload, produce_ms, append_ms) VALUES ",
        tables_[0]);
    for (size_t i = 0; i < rows; ++i) sql += i ? ",(?,NULL,NULL,?,?,?)" : "(?,NULL,NULL,?,?,?)";
    auto& insert = (*lease_)->prepare(sql);
    const int64_t now = nowMs();
    unsigned column = 1;
    for (size_t i = from; i < from + rows; ++i) {
      const std::string& value = messages[i].value;
      insert.setInt64(column++, next_offsets_[0] + static_cast<int64_t>(i));
      insert.setString(column++, sql::SQLString(value.data(), value.size()));
      insert.setInt64(column++, messages[i].timestamp_ms);
      insert.setInt64(column++, now);
    }
    insert.executeUpdate();
  }

  // PartitionStore::append: what the broker runs for one group commit of one partition.
  void appendLikeBroker(const std::vector<rpc::Message>& messages) {
    std::vector<const rpc::Message*> pointers;
    for (const auto& message : messages) pointers.push_back(&message);
    std::vector<AppendBatch> batches(1);
    batches[0].messages = &pointers;
    PartitionStore::append(*lease_, tables_[0], batches, nowMs());
    if (batches[0].error != rpc::ErrorCode::NONE) {
      throw std::runtime_error("append refused: " + batches[0].error_message);
    }
  }

  // PartitionStore::append for several partitions in ONE transaction: what the broker's
  // group commit (DatanodeWriter) runs for concurrent requests for a datanode's partitions.
  void appendToManyLikeBroker(const std::vector<rpc::Message>& messages) {
    std::vector<const rpc::Message*> pointers;
    for (const auto& message : messages) pointers.push_back(&message);
    std::vector<PartitionAppend> partitions;
    for (const auto& table : tables_) {
      partitions.push_back(PartitionAppend{table, std::vector<AppendBatch>(1)});
      partitions.back().batches[0].messages = &pointers;
    }
    PartitionStore::append(*lease_, partitions, nowMs());
    for (const auto& partition : partitions) {
      if (partition.batches[0].error != rpc::ErrorCode::NONE) {
        throw std::runtime_error("append refused: " + partition.batches[0].error_message);
      }
    }
  }

  // The same transaction sent as one multi-statement round trip, in as few statements as
  // the broker's two trips: one UPDATE locks and advances every state row and keeps each
  // row's old next_offset in a variable of its own (@mq_base_K), one INSERT per table
  // computes its offsets from it (NULL, and so a failed INSERT, if the row is missing),
  // COMMIT, and one SELECT returns the bases.
  void appendInOneTrip(const std::vector<rpc::Message>& messages) {
    std::string reset = "SET ";
    std::string cases;
    std::string names;
    std::string bases;
    for (size_t k = 0; k < tables_.size(); ++k) {
      std::string table_literal;
      appendSqlStringLiteral(table_literal, tables_[k]);
      reset += fmt::format("{}@mq_base_{} = NULL", k ? ", " : "", k);
      cases += fmt::format(" WHEN {} THEN (@mq_base_{} := next_offset) + {}", table_literal, k,
                           messages.size());
      names += (k ? "," : "") + table_literal;
      bases += fmt::format("{}@mq_base_{}", k ? ", " : "", k);
    }
    StatementBatch trip;
    trip.add("START TRANSACTION");
    trip.add(reset);
    trip.add("UPDATE mq_partition_state SET next_offset = CASE table_name" + cases +
             " END WHERE table_name IN (" + names + ")");
    for (size_t k = 0; k < tables_.size(); ++k) {
      trip.add(insertStatement(tables_[k], fmt::format("@mq_base_{} + ", k), 0, messages, nowMs()));
    }
    trip.add("COMMIT");
    trip.add("SELECT " + bases);
    // The pool's connections are multi-statement ones: the batch is one round trip.
    auto results = (*lease_)->executeBatch(trip);
    if (results.size() != 1 || !results[0]->next()) {
      throw std::runtime_error("one-trip append: no bases");
    }
    for (size_t k = 0; k < tables_.size(); ++k) {
      if (results[0]->isNull(static_cast<uint32_t>(k + 1))) {
        throw std::runtime_error("one-trip append: state row missing");
      }
    }
  }

  DbPool& pool_;
  const std::vector<std::string> tables_;
  const std::string variant_;
  std::vector<int64_t> next_offsets_;
  std::optional<DbPool::Lease> lease_;
};

// Writes connection `index`'s tables; with a ledger, tells it of every commit.
void insertLoop(DbPool& pool, const PerfConfig& config, int index, SteadyClock::time_point deadline,
                RunCounters& counters, CommitLedger* ledger) {
  const auto tables = tablesOf(config, index);
  int64_t table_end = 0;  // every table of this connection gets the same rows per transaction
  const int64_t rows_per_txn = static_cast<int64_t>(config.batch) * config.tables_per_txn;
  const std::string payload = makePayload(config.message_size, 100 + index);
  const int64_t share = config.byCount() ? shareOf(config.count, config.producers, index) : 0;
  int64_t written = 0;
  int consecutive_errors = 0;
  Appender appender(pool, tables, config.raw_append);
  // Paced (--rate): the connections take turns, transaction n of this one planned at
  // first + n * interval; its latency counts from the planned start, so that falling behind
  // the rate shows in it (no coordinated omission).
  const auto interval = std::chrono::nanoseconds(
      config.raw_paced ? static_cast<int64_t>(1e9 * static_cast<double>(rows_per_txn) *
                                              config.producers / config.rate)
                       : 0);
  const auto first = SteadyClock::now() + interval * index / config.producers;
  int64_t transactions = 0;
  while (config.byCount() ? written < share : SteadyClock::now() < deadline) {
    // By count: the last transaction is smaller (rounded up to whole rows per table).
    int64_t rows = config.batch;
    if (config.byCount() && share - written < rows_per_txn) {
      rows = (share - written + config.tables_per_txn - 1) / config.tables_per_txn;
    }
    std::vector<rpc::Message> messages(static_cast<size_t>(rows));
    const int64_t now = nowMs();
    for (auto& message : messages) {
      message.value = payload;
      message.timestamp_ms = now;
    }
    const int64_t total = rows * config.tables_per_txn;
    auto started = SteadyClock::now();
    if (config.raw_paced) {
      started = first + interval * transactions++;
      std::this_thread::sleep_until(started);
    }
    try {
      appender.append(messages);
      counters.recordLatencyUs(microsBetween(started, SteadyClock::now()));
      table_end += rows;
      for (int j = 0; ledger && j < config.tables_per_txn; ++j) {
        ledger->committed(static_cast<size_t>(index * config.tables_per_txn + j), table_end,
                          started);
      }
      counters.addMessages(total, total * config.message_size);
      written += total;
      consecutive_errors = 0;
    } catch (const std::exception& e) {
      counters.addError(fmt::format("insert into {}: {}", tables[0], e.what()), total);
      if (++consecutive_errors >= kMaxConsecutiveErrors) break;
      try {
        appender.reconnect();
      } catch (const std::exception&) {
        break;
      }
    }
  }
}

void readLoop(DbPool& pool, const std::vector<std::string>& tables, RunCounters& counters) {
  auto db = pool.acquire();
  for (const auto& table : tables) {
    int64_t offset = 0;
    while (true) {
      auto rows = PartitionStore::read(*db, table, offset, kRawReadRows, int64_t{1} << 30);
      if (rows.empty()) break;
      int64_t bytes = 0;
      for (const auto& row : rows) bytes += static_cast<int64_t>(row.value.size());
      counters.addMessages(static_cast<int64_t>(rows.size()), bytes);
      offset = rows.back().offset + 1;
    }
  }
}

}  // namespace

int runRaw(const PerfConfig& config) {
  DbTarget target;
  try {
    target = DbTarget::parseUrl(config.db);
  } catch (const std::invalid_argument& e) {
    std::cerr << "mq-perf: error: --db: " << e.what() << "\n";
    return 2;
  }
  std::unique_ptr<ScratchDatabase> scratch;
  try {
    scratch = std::make_unique<ScratchDatabase>(target);
  } catch (const std::invalid_argument& e) {
    std::cerr << "mq-perf: error: " << e.what() << "\n";
    return 2;
  }

  DbPoolOptions options;
  options.max_connections = config.producers + config.tail_readers + 1;
  options.multi_statements = true;  // as the broker's datanode pools
  DbPool pool(target, options);
  applyMigrations(pool, datanodeMigrations());
  std::string version;
  std::string flush_setting;
  {
    auto db = pool.acquire();
    for (int i = 0; i < config.producers * config.tables_per_txn; ++i) {
      PartitionStore::createPartition(*db, tableName(i));
    }
    version = serverVariable(*db, "SELECT VERSION()");
    flush_setting = serverVariable(*db, "SELECT @@innodb_flush_log_at_trx_commit");
  }

  // Insert phase.
  RunCounters inserted;
  const auto insert_start = SteadyClock::now();
  const auto deadline =
      insert_start + std::chrono::duration_cast<SteadyClock::duration>(
                         std::chrono::duration<double>(config.durationOrDefault()));
  double insert_seconds = 0;
  // Tail readers (--tail-readers): reader r reads tables r, r + N, ... while they are written.
  const size_t table_count = static_cast<size_t>(config.producers * config.tables_per_txn);
  std::vector<std::string> names;
  for (size_t t = 0; t < table_count; ++t) names.push_back(tableName(static_cast<int>(t)));
  CommitLedger ledger(table_count);
  RunCounters tailed;
  std::vector<std::thread> tail_threads;
  const size_t readers = std::min(static_cast<size_t>(config.tail_readers), table_count);
  for (size_t r = 0; r < readers; ++r) {
    std::vector<size_t> tables;
    for (size_t t = r; t < table_count; t += readers) {
      tables.push_back(t);
    }
    tail_threads.emplace_back([&, r, tables] {
      try {
        tailReadLoop(pool, names, tables, ledger, tailed);
      } catch (const std::exception& e) {
        tailed.addError(fmt::format("tail reader {}: {}", r, e.what()));
      }
    });
  }
  {
    ProgressReporter progress("raw insert", inserted, config.json_only);
    std::vector<std::thread> threads;
    for (int i = 0; i < config.producers; ++i) {
      threads.emplace_back([&, i] {
        try {
          insertLoop(pool, config, i, deadline, inserted,
                     config.tail_readers > 0 ? &ledger : nullptr);
        } catch (const std::exception& e) {
          inserted.addError(fmt::format("connection {}: {}", i, e.what()));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    insert_seconds = std::chrono::duration<double>(SteadyClock::now() - insert_start).count();
    ledger.close();
    for (auto& thread : tail_threads) thread.join();
  }

  // Read phase: every row back, by primary-key range.
  RunCounters read;
  double read_seconds = 0;
  {
    ProgressReporter progress("raw read", read, config.json_only);
    const auto read_start = SteadyClock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < config.producers; ++i) {
      threads.emplace_back([&, i] {
        try {
          readLoop(pool, tablesOf(config, i), read);
        } catch (const std::exception& e) {
          read.addError(fmt::format("read by connection {}: {}", i, e.what()));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    read_seconds = std::chrono::duration<double>(SteadyClock::now() - read_start).count();
  }

  Summary summary;
  summary.mode = "raw";
  summary.messages = inserted.messages();
  summary.errors = inserted.errors() + read.errors() + tailed.errors();
  summary.bytes = inserted.bytes();
  summary.seconds = insert_seconds;
  summary.latency_us = inserted.latency();
  summary.latency = config.raw_append == "plain" || config.raw_append == "prepared"
                        ? "insert_batch (one autocommitted multi-row INSERT)"
                    : config.raw_append == "prepared-chunks"
                        ? "insert_batch (one transaction of prepared INSERTs)"
                        : "insert_batch (one append transaction: per table lock the state row, "
                          "INSERT, advance it; COMMIT)";
  JsonLine json = summaryJson(summary);
  const double read_rate = read_seconds > 0 ? read.messages() / read_seconds : 0;
  json.text("variant", config.raw_append)
      .number("read_messages", read.messages())
      .real("read_seconds", read_seconds)
      .real("read_messages_per_sec", read_rate)
      .real("read_mb_per_sec",
            read_seconds > 0 ? read.bytes() / double(1 << 20) / read_seconds : 0.0)
      .number("read_rows_per_query", kRawReadRows)
      .number("tail_messages", tailed.messages())
      .real("tail_p50_ms", tailed.latency().percentile(0.5) / 1000.0)
      .real("tail_p99_ms", tailed.latency().percentile(0.99) / 1000.0)
      .real("tail_p999_ms", tailed.latency().percentile(0.999) / 1000.0)
      .text("server_version", version)
      .text("innodb_flush_log_at_trx_commit", flush_setting)
      .text("first_error", inserted.errors() ? inserted.firstError()
                           : tailed.errors() ? tailed.firstError()
                                             : read.firstError())
      .object("settings", settingsJson(config));
  printSummaryLine(json);

  const bool complete = !config.byCount() || summary.messages >= config.count;
  const bool read_all = read.messages() == summary.messages;
  if (!read_all) {
    std::cerr << fmt::format("mq-perf: read back {} of {} rows\n", read.messages(),
                             summary.messages);
  }
  const bool tailed_all = config.tail_readers == 0 || tailed.messages() == summary.messages;
  if (!tailed_all) {
    std::cerr << fmt::format("mq-perf: the tail readers read {} of {} rows\n", tailed.messages(),
                             summary.messages);
  }
  return summary.errors == 0 && complete && read_all && tailed_all ? 0 : 1;
}

}  // namespace mq::perf
