#include "storage/migrations.h"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>

#include "common/clock.h"
#include "common/log.h"

namespace mq {

std::vector<std::string> splitSqlStatements(const std::string& text) {
  std::vector<std::string> statements;
  std::istringstream in(text);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line.compare(first, 2, "--") == 0) continue;
    current += line;
    current += '\n';
    auto last = line.find_last_not_of(" \t\r");
    if (line[last] == ';') {
      current.erase(current.find_last_of(';'));
      statements.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
  return statements;
}

int applyMigrations(DbPool& pool, const std::vector<Migration>& migrations) {
  auto db = pool.acquire();
  db->execute(
      "CREATE TABLE IF NOT EXISTS mq_schema_version ("
      " version INT PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_ms BIGINT NOT NULL"
      ") ENGINE=InnoDB");
  const std::string lock_name = "mq_migrate_" + pool.target().database;
  auto locked = db->query(fmt::format("SELECT GET_LOCK('{}', 60)", lock_name));
  if (!locked->next() || locked->getInt(1) != 1) {
    throw std::runtime_error("timed out waiting for another process's schema migration");
  }
  // On failure the exception discards the connection, which releases the lock.
  int applied = 0;
  for (const auto& migration : migrations) {
    auto& check = db->prepare("SELECT 1 FROM mq_schema_version WHERE version = ?");
    check.setInt(1, migration.version);
    if (std::unique_ptr<sql::ResultSet>(check.executeQuery())->next()) continue;
    for (const auto& statement : splitSqlStatements(migration.sql)) {
      try {
        db->execute(statement);
      } catch (const sql::SQLException& e) {
        throw std::runtime_error(fmt::format("migration {} failed on `{}`: {}", migration.name,
                                             statement.substr(0, 120), e.what()));
      }
    }
    auto& record =
        db->prepare("INSERT INTO mq_schema_version (version, name, applied_ms) VALUES (?,?,?)");
    record.setInt(1, migration.version);
    record.setString(2, migration.name);
    record.setInt64(3, nowMs());
    record.execute();
    logInfo("schema migration applied")
        .kv("database", pool.target().describe())
        .kv("migration", migration.name);
    ++applied;
  }
  db->execute(fmt::format("DO RELEASE_LOCK('{}')", lock_name));
  return applied;
}

}  // namespace mq
