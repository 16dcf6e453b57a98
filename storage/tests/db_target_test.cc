#include <gtest/gtest.h>

#include "storage/db_pool.h"
#include "storage/migrations.h"

namespace mq {
namespace {

TEST(DbTarget, ParsesFullUrl) {
  auto t = DbTarget::parseUrl("mysql://mq:s3cr:et@db.example:3307/mq_meta");
  EXPECT_EQ(t.user, "mq");
  EXPECT_EQ(t.password, "s3cr:et");
  EXPECT_EQ(t.host, "db.example");
  EXPECT_EQ(t.port, 3307);
  EXPECT_EQ(t.database, "mq_meta");
}

TEST(DbTarget, DescribeNeverShowsThePassword) {
  auto t = DbTarget::parseUrl("mysql://mq:hunter2@127.0.0.1:3306/db");
  EXPECT_EQ(t.describe().find("hunter2"), std::string::npos);
}

TEST(DbTarget, RejectsMalformedUrlsWithReason) {
  EXPECT_THROW(DbTarget::parseUrl("postgres://a@b/c"), std::invalid_argument);
  EXPECT_THROW(DbTarget::parseUrl("mysql://host:3306/db"), std::invalid_argument);
  EXPECT_THROW(DbTarget::parseUrl("mysql://u@host:3306"), std::invalid_argument);
  EXPECT_THROW(DbTarget::parseUrl("mysql://u@host:99999/db"), std::invalid_argument);
  EXPECT_THROW(DbTarget::parseUrl("mysql://u@host:12ab/db"), std::invalid_argument);
}

TEST(SqlLiteral, StringLiteralEscapesEverySpecialByte) {
  std::string out;
  appendSqlStringLiteral(out, std::string("a'b\\c\0d\ne\rf\x1ag", 13));
  EXPECT_EQ(out, "'a\\'b\\\\c\\0d\\ne\\rf\\Zg'");
}

TEST(SqlLiteral, BinaryLiteralEscapesEverySpecialByte) {
  std::string out;
  appendSqlBinaryLiteral(out, std::string("a'b\\c\0d\ne\rf\x1ag", 13));
  EXPECT_EQ(out, "_binary'a\\'b\\\\c\\0d\\ne\\rf\\Zg'");
}

TEST(SqlLiteral, HexLiteralSpellsEveryByte) {
  std::string out = "x=";
  appendSqlHexLiteral(out, std::string("\0\xff'A", 4));
  EXPECT_EQ(out, "x=X'00ff2741'");
  out.clear();
  appendSqlHexLiteral(out, "");
  EXPECT_EQ(out, "X''");
}

TEST(SqlStatements, SplitsOnTrailingSemicolonsAndDropsComments) {
  auto statements = splitSqlStatements(
      "-- comment\nCREATE TABLE a (\n  x INT -- inline stays\n);\n\nINSERT INTO a VALUES (1);\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (\n  x INT -- inline stays\n)");
  EXPECT_EQ(statements[1], "INSERT INTO a VALUES (1)");
}

TEST(StatementBatch, JoinsStatementsInOneTextAndSplitsThemBack) {
  StatementBatch batch;
  batch.add("START TRANSACTION");
  std::string& insert = batch.next();
  insert += "INSERT INTO t VALUES ";
  insert += "(1),(2)";
  batch.add("COMMIT");
  EXPECT_EQ(batch.text(), "START TRANSACTION;\nINSERT INTO t VALUES (1),(2);\nCOMMIT");
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.statement(0), "START TRANSACTION");
  EXPECT_EQ(batch.statement(1), "INSERT INTO t VALUES (1),(2)");
  EXPECT_EQ(batch.statement(2), "COMMIT");
}

}  // namespace
}  // namespace mq
