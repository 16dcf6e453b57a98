#include "storage/partition_search.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <fmt/format.h>

#include <memory>
#include <sstream>

#include "common/header_codec.h"
#include "storage/partition_sql.h"

namespace mq {
namespace {

constexpr int kRegexError = 1139;        // ER_REGEXP_ERROR
constexpr int kStatementTimeout = 1969;  // ER_STATEMENT_TIMEOUT

// The bytes a header occupies in the encoded map: its name and value, each length-prefixed.
std::string encodedPair(const std::string& name, const std::string& value) {
  const std::string one = encodeHeaders({{name, value}});
  return one.substr(1);  // without the count (1, one byte)
}

}  // namespace

PartitionScan PartitionSearch::scan(DbConnection& db, const std::string& table, int64_t from,
                                    int64_t to, const MessageFilter& filter, int max_matches,
                                    int64_t max_bytes, int max_statement_ms) {
  if (max_matches < 1) throw std::invalid_argument("max_matches must be at least 1");
  PartitionScan result;
  if (from >= to) {
    result.next_offset = from;
    return result;
  }
  result.next_offset = to;
  std::string sql = fmt::format(
      "SET STATEMENT max_statement_time = {:.3f} FOR "
      "SELECT {} FROM `{}` WHERE `offset` >= {} AND `offset` < {}",
      max_statement_ms / 1000.0, partition_sql::kMessageColumns, table, from, to);
  std::vector<std::string> params;
  if (filter.key) {
    sql += " AND msg_key = ?";
    params.push_back(*filter.key);
  }
  if (filter.header) {
    sql += " AND LOCATE(?, headers) > 0";
    params.push_back(encodedPair(filter.header->first, filter.header->second));
  }
  if (filter.contains) {
    sql += " AND LOCATE(?, payload) > 0";
    params.push_back(*filter.contains);
  }
  if (filter.regex) {
    sql += " AND payload REGEXP ?";
    params.push_back(*filter.regex);
  }
  sql += fmt::format(" ORDER BY `offset` LIMIT {}", max_matches);
  // Prepared once per search (the text names the table and the filters), not cached.
  std::unique_ptr<sql::PreparedStatement> statement(db.raw().prepareStatement(sql));
  std::vector<std::unique_ptr<std::istringstream>> blobs;
  for (size_t i = 0; i < params.size(); ++i) {
    // As a blob: binary-safe, compared as bytes with the BLOB columns.
    blobs.push_back(std::make_unique<std::istringstream>(params[i]));
    statement->setBlob(static_cast<unsigned>(i + 1), blobs.back().get());
  }
  std::unique_ptr<sql::ResultSet> rows;
  try {
    rows.reset(statement->executeQuery());
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kRegexError) throw BadRegex(e.what());
    if (e.getErrorCode() == kStatementTimeout) {
      throw ScanTimedOut(
          fmt::format("searching offsets {}..{} took over {} ms", from, to - 1, max_statement_ms));
    }
    throw;
  }
  int64_t bytes = 0;
  int returned = 0;
  int64_t last_row = from - 1;
  while (rows->next()) {
    rpc::StoredMessage message = partition_sql::storedMessage(*rows);
    last_row = message.offset;
    ++returned;
    if (filter.header) {  // LOCATE may match across two headers' bytes: check exactly
      auto found = message.headers.find(filter.header->first);
      if (found == message.headers.end() || found->second != filter.header->second) continue;
    }
    bytes += static_cast<int64_t>(message.key.size() + message.value.size());
    if (!result.matches.empty() && bytes > max_bytes) {
      result.next_offset = message.offset;  // the next scan starts with it
      return result;
    }
    result.matches.push_back(std::move(message));
  }
  // A full LIMIT: the range may hold more matches after the last one.
  if (returned == max_matches) result.next_offset = last_row + 1;
  return result;
}

}  // namespace mq
