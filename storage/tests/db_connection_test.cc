// DbConnection against a real MariaDB: prepareRecent reuses what it keeps, and once it keeps
// kRecentParameters closes only statements that went unused for a while; strings go to the
// server as bytes and utf8mb4 columns still check and compare them as before; a session is
// strict whatever the server's default.
#include <cppconn/exception.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "storage/db_pool.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

// A counter of this connection's session (SHOW SESSION STATUS).
int64_t sessionCounter(DbConnection& db, const std::string& name) {
  auto rows = db.query("SHOW SESSION STATUS LIKE '" + name + "'");
  return rows->next() ? rows->getInt64(2) : -1;
}

TEST(DbConnection, PrepareRecentReusesStatementsAndClosesOnlyOnesLeftUnusedWhenFull) {
  test::TestDatabase database;
  auto db = database.pool().acquire();
  constexpr int64_t kKept = 16;  // each claims a sixteenth of what the connection keeps
  constexpr size_t kParameters = DbConnection::kRecentParameters / kKept;
  const int64_t prepared_before = sessionCounter(*db, "Com_stmt_prepare");
  const int64_t closed_before = sessionCounter(*db, "Com_stmt_close");
  auto prepared = [&] { return sessionCounter(*db, "Com_stmt_prepare") - prepared_before; };
  auto closed = [&] { return sessionCounter(*db, "Com_stmt_close") - closed_before; };
  int64_t built = 0;  // how often the text was asked for
  auto recent = [&](int64_t i) {
    return db->prepareRecent("s" + std::to_string(i), kParameters, [&built, i] {
      ++built;
      return fmt::format("SELECT {} + ?", i);
    });
  };

  sql::PreparedStatement* first = recent(0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(recent(0), first);
  EXPECT_EQ(built, 1);  // known by its key: the text is built once
  for (int64_t i = 1; i < kKept; ++i) ASSERT_NE(recent(i), nullptr);
  EXPECT_EQ(prepared(), kKept);
  EXPECT_EQ(closed(), 0);

  // Full, and every kept statement used lately: one more is not prepared (the caller sends
  // text) and none is closed, however often it comes round, as with a rotation over more
  // statements than are kept.
  for (int round = 0; round < 3; ++round) {
    for (int64_t i = 0; i <= kKept; ++i) EXPECT_EQ(recent(i) == nullptr, i == kKept) << i;
  }
  EXPECT_EQ(prepared(), kKept);
  EXPECT_EQ(closed(), 0);

  // Statement 1 goes unused for kStaleAfter: the next statement that is not kept takes its
  // place.
  std::this_thread::sleep_for(DbConnection::kStaleAfter + std::chrono::milliseconds(100));
  for (int64_t i = 2; i < kKept; ++i) ASSERT_NE(recent(i), nullptr);
  ASSERT_NE(recent(0), nullptr);
  ASSERT_NE(recent(kKept), nullptr);
  EXPECT_EQ(prepared(), kKept + 1);
  EXPECT_EQ(closed(), 1);
  EXPECT_NE(recent(0), nullptr);  // still kept

  sql::PreparedStatement* query = recent(5);
  ASSERT_NE(query, nullptr);
  query->setInt64(1, 2);
  auto rows = runQuery(*query);
  ASSERT_TRUE(rows->next());
  EXPECT_EQ(rows->getInt64(1), 7);
}

// DbPool sends statements and string parameters as bytes (character_set_client binary), so
// that MariaDB does not decode every character of a payload. What a utf8mb4 column stores,
// how it compares and what comes back must stay as they were.
TEST(DbConnection, StringParametersGoAsBytesAndUtf8ColumnsStillCheckAndCompareThem) {
  test::TestDatabase database;
  auto db = database.pool().acquire();
  auto variables = db->query(
      "SELECT @@character_set_client, @@character_set_connection, @@character_set_results");
  ASSERT_TRUE(variables->next());
  EXPECT_EQ(std::string(variables->getString(1)), "binary");
  EXPECT_EQ(std::string(variables->getString(2)), "utf8mb4");
  EXPECT_EQ(std::string(variables->getString(3)), "utf8mb4");

  db->execute(
      "CREATE TABLE names (name VARCHAR(32) NOT NULL PRIMARY KEY) DEFAULT CHARSET utf8mb4 "
      "COLLATE utf8mb4_general_ci");
  const std::string text = "gr\xC3\xBC\xC3\x9F e \xE2\x9C\x93 \xF0\x9F\x98\x80";  // "grüß e ✓ 😀"
  auto& insert = db->prepare("INSERT INTO names (name) VALUES (?)");
  insert.setString(1, text);
  insert.executeUpdate();

  // Read back byte for byte: 10 characters (17 bytes).
  auto stored = db->query("SELECT name, CHAR_LENGTH(name) FROM names");
  ASSERT_TRUE(stored->next());
  EXPECT_EQ(std::string(stored->getString(1)), text);
  EXPECT_EQ(stored->getInt(2), 10);

  // The column's case-insensitive collation decides a comparison with a parameter ("GRÜß E").
  auto& find = db->prepare("SELECT COUNT(*) FROM names WHERE name = ?");
  find.setString(1, "GR\xC3\x9C\xC3\x9F E \xE2\x9C\x93 \xF0\x9F\x98\x80");
  auto found = runQuery(find);
  ASSERT_TRUE(found->next());
  EXPECT_EQ(found->getInt(1), 1);

  // Bytes that are not UTF-8 are refused by the column, and nothing is stored.
  insert.setString(1, std::string("bad \xC3\x28"));
  try {
    insert.executeUpdate();
    ADD_FAILURE() << "a utf8mb4 column stored bytes that are not UTF-8";
  } catch (const sql::SQLException& e) {
    EXPECT_EQ(e.getErrorCode(), 1366) << e.what();  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  }
  auto count = db->query("SELECT COUNT(*) FROM names");
  ASSERT_TRUE(count->next());
  EXPECT_EQ(count->getInt(1), 1);
}

// A server whose default sql_mode is not strict (some are set so for older applications)
// would store a value its column cannot hold cut or changed, with only a warning: a message
// key of more than 64 KiB cut to its column's size. Every session is strict for every table.
TEST(DbConnection, ASessionIsStrictSoAValueItsColumnCannotHoldFailsItsStatement) {
  test::TestDatabase database;
  auto db = database.pool().acquire();
  auto mode = db->query("SELECT @@SESSION.sql_mode");
  ASSERT_TRUE(mode->next());
  EXPECT_NE(mode->getString(1).asStdString().find("STRICT_ALL_TABLES"), std::string::npos)
      << mode->getString(1).asStdString();
  // Aria is not transactional: the server's default STRICT_TRANS_TABLES alone lets a later
  // row of a multi-row INSERT be cut there.
  db->execute("CREATE TABLE strictness (k BLOB) ENGINE=Aria");
  const std::string too_long(70000, 'k');
  try {
    db->execute("INSERT INTO strictness VALUES (''), ('" + too_long + "')");
    ADD_FAILURE() << "a 70,000-byte value went into a BLOB column";
  } catch (const sql::SQLException& e) {
    EXPECT_EQ(e.getErrorCode(), 1406) << e.what();  // ER_DATA_TOO_LONG
  }
  auto rows = db->query("SELECT COUNT(*), COALESCE(MAX(LENGTH(k)), 0) FROM strictness");
  ASSERT_TRUE(rows->next());
  EXPECT_LE(rows->getInt(2), 0) << "a cut value was stored";
}

}  // namespace
}  // namespace mq
