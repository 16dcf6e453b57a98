// mq::OutboxWriter: one INSERT into the outbox on the application's own connection, inside
// its open transaction.
#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include <memory>

#include "common/clock.h"
#include "common/header_codec.h"
#include "common/topic_name.h"
#include "mq/outbox.h"
#include "outbox/outbox_store.h"
#include "storage/db_pool.h"

using mq::client::Error;

namespace mq {

namespace {

void check(const OutboxEvent& event) {
  if (auto problem = topicNameProblem(event.topic)) {
    throw Error(client::ErrorCode::INVALID_TOPIC_NAME, *problem, false);
  }
  for (const auto& [name, value] : event.headers) {
    if (name.rfind("mq-outbox-", 0) == 0) {
      throw Error(client::ErrorCode::INVALID_REQUEST,
                  fmt::format("header `{}`: names starting with mq-outbox- are reserved", name),
                  false);
    }
  }
}

// One row of the VALUES list, with binary-safe literals (text protocol, one round trip).
void appendRow(std::string& sql, const OutboxEvent& event, int64_t now) {
  sql += '(';
  appendSqlStringLiteral(sql, event.topic);
  sql += ',';
  if (event.key) {
    appendSqlBinaryLiteral(sql, *event.key);
  } else {
    sql += "NULL";
  }
  sql += ',';
  if (event.headers.empty()) {
    sql += "NULL";
  } else {
    appendSqlBinaryLiteral(sql, encodeHeaders(event.headers));
  }
  sql += ',';
  appendSqlBinaryLiteral(sql, event.value);
  sql += fmt::format(",{})", now);
}

}  // namespace

OutboxWriter::OutboxWriter(std::string table) : table_(std::move(table)) {
  if (!isValidOutboxTableName(table_)) {
    throw Error(client::ErrorCode::INVALID_CONFIG,
                "outbox table must be 1..48 characters from [A-Za-z0-9_]", false);
  }
}

int64_t OutboxWriter::write(sql::Connection& connection, const OutboxEvent& event) {
  check(event);
  std::string sql = fmt::format(
      "INSERT INTO `{}` (topic, msg_key, headers, payload, created_ms) VALUES ", table_);
  appendRow(sql, event, nowMs());
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  statement->execute(sql);
  std::unique_ptr<sql::ResultSet> id(statement->executeQuery("SELECT LAST_INSERT_ID()"));
  id->next();
  return id->getInt64(1);
}

int64_t OutboxWriter::write(sql::Connection& connection, const std::string& topic,
                            const std::optional<std::string>& key, const std::string& value,
                            const Headers& headers) {
  return write(connection, OutboxEvent{topic, key, value, headers});
}

void OutboxWriter::writeAll(sql::Connection& connection, const std::vector<OutboxEvent>& events) {
  if (events.empty()) return;
  size_t bytes = 128;
  for (const auto& event : events) {
    check(event);
    bytes += event.value.size() * 2 + 64;
  }
  std::string sql;
  sql.reserve(bytes);
  sql += fmt::format("INSERT INTO `{}` (topic, msg_key, headers, payload, created_ms) VALUES ",
                     table_);
  const int64_t now = nowMs();
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) sql += ',';
    appendRow(sql, events[i], now);
  }
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  statement->execute(sql);
}

}  // namespace mq
