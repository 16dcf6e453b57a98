// PartitionStore's segments: the range partitions of a partition table that retention empties,
// drops and adds ahead, and row-by-row deletes for tables without them
// (storage/partition_store.h).
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

using partition_sql::kWidthComment;

using partition_sql::pmaxClause;
using partition_sql::replaceTable;
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
    TableLayout& layout = result[columnText(*rows, 1)];
    const int64_t bytes = rows->isNull(4) ? 0 : rows->getInt64(4);
    layout.data_bytes += bytes;
    layout.index_bytes += rows->isNull(6) ? 0 : rows->getInt64(6);
    if (rows->isNull(2)) continue;  // not segmented
    layout.segmented = true;
    TableSegment segment;
    segment.name = columnText(*rows, 2);
    const std::string upper = columnText(*rows, 3);
    segment.upper = upper == "MAXVALUE" ? std::numeric_limits<int64_t>::max() : std::stoll(upper);
    // s<lower> names its first offset; the first segment left after drops has no
    // predecessor to take it from.
    segment.lower = layout.segments.empty() ? 0 : layout.segments.back().upper;
    if (segment.name.size() > 1 && segment.name[0] == 's' &&
        segment.name.find_first_not_of("0123456789", 1) == std::string::npos) {
      segment.lower = std::stoll(segment.name.substr(1));
    }
    segment.data_bytes = bytes;
    const std::string comment = rows->isNull(5) ? "" : columnText(*rows, 5);
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

}  // namespace mq
