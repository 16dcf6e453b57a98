// Applies versioned schema migrations (sql/meta, sql/datanode) to a database and records
// each in mq_schema_version. Safe to run from several processes at once: a named lock
// serialises them, and an applied version is never applied again.
#pragma once

#include <vector>

#include "storage/db_pool.h"
#include "storage/embedded_sql.h"

namespace mq {

// Returns the number of migrations applied now. Throws std::runtime_error naming the
// migration and statement that failed; the caller should stop start-up.
int applyMigrations(DbPool& pool, const std::vector<Migration>& migrations);

// Splits a migration into statements (`;` at the end of a line; `--` comment lines dropped).
std::vector<std::string> splitSqlStatements(const std::string& text);

}  // namespace mq
