// DbConnection against a real MariaDB: prepareRecent reuses what it keeps, and closes the
// least recently used statement once it keeps kRecentStatements of them.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "storage/db_pool.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

// A counter of this connection's session (SHOW SESSION STATUS).
int64_t sessionCounter(DbConnection& db, const std::string& name) {
  auto rows = db.query("SHOW SESSION STATUS LIKE '" + name + "'");
  return rows->next() ? rows->getInt64(2) : -1;
}

TEST(DbConnection, PrepareRecentReusesStatementsAndClosesTheLeastRecentlyUsedBeyondItsBound) {
  test::TestDatabase database;
  auto db = database.pool().acquire();
  constexpr int64_t kKept = DbConnection::kRecentStatements;
  const int64_t prepared_before = sessionCounter(*db, "Com_stmt_prepare");
  const int64_t closed_before = sessionCounter(*db, "Com_stmt_close");
  auto prepared = [&] { return sessionCounter(*db, "Com_stmt_prepare") - prepared_before; };
  auto closed = [&] { return sessionCounter(*db, "Com_stmt_close") - closed_before; };
  auto statement = [](int64_t i) { return fmt::format("SELECT {} + ?", i); };

  sql::PreparedStatement& first = db->prepareRecent(statement(0));
  EXPECT_EQ(&db->prepareRecent(statement(0)), &first);
  for (int64_t i = 1; i < kKept; ++i) db->prepareRecent(statement(i));
  EXPECT_EQ(prepared(), kKept);
  EXPECT_EQ(closed(), 0);

  db->prepareRecent(statement(0));      // used again: the most recent now
  db->prepareRecent(statement(kKept));  // one too many: statement 1 is the least recent
  EXPECT_EQ(prepared(), kKept + 1);
  EXPECT_EQ(closed(), 1);
  db->prepareRecent(statement(0));  // still kept
  EXPECT_EQ(prepared(), kKept + 1);
  db->prepareRecent(statement(1));  // closed before: prepared again
  EXPECT_EQ(prepared(), kKept + 2);

  sql::PreparedStatement& query = db->prepareRecent(statement(5));
  query.setInt64(1, 2);
  auto rows = runQuery(query);
  ASSERT_TRUE(rows->next());
  EXPECT_EQ(rows->getInt64(1), 7);
}

}  // namespace
}  // namespace mq
