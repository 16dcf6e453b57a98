// PartitionStore against a real MariaDB: a datanode database with its migrations and one
// partition table, and what the broker relies on: dense offsets in order, reads, idempotent
// retries written once, a seal that refuses appends, and the offset for a time.
#include "storage/partition_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

constexpr const char* kTable = "mq_t1_p0";

class PartitionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    applyMigrations(db_.pool(), datanodeMigrations());
    auto db = db_.pool().acquire();
    PartitionStore::createPartition(*db, kTable, 100);
  }

  // Appends one batch of `values` at `append_ms`; returns its outcome.
  AppendBatch append(const std::vector<std::string>& values, int64_t append_ms,
                     std::optional<ProducerTag> producer = std::nullopt) {
    auto db = db_.pool().acquire();
    return appendOn(db, values, append_ms, producer);
  }

  // The same through `db`.
  static AppendBatch appendOn(DbPool::Lease& db, const std::vector<std::string>& values,
                              int64_t append_ms,
                              std::optional<ProducerTag> producer = std::nullopt) {
    std::vector<rpc::Message> messages(values.size());
    std::vector<const rpc::Message*> pointers;
    for (size_t i = 0; i < values.size(); ++i) {
      messages[i].value = values[i];
      pointers.push_back(&messages[i]);
    }
    std::vector<AppendBatch> batches(1);
    batches[0].messages = &pointers;
    batches[0].producer = producer;
    PartitionStore::append(db, kTable, batches, append_ms);
    return batches[0];
  }

  std::vector<std::string> readValues(int64_t from) {
    auto db = db_.pool().acquire();
    std::vector<std::string> values;
    for (const auto& m : PartitionStore::read(*db, kTable, from, 100, 16 << 20)) {
      values.push_back(m.value);
    }
    return values;
  }

  PartitionBounds bounds() {
    auto db = db_.pool().acquire();
    return PartitionStore::bounds(*db, kTable);
  }

  test::TestDatabase db_;
};

TEST_F(PartitionStoreTest, BatchesGetDenseOffsetsInOrderAndReadBack) {
  EXPECT_EQ(append({"a", "b"}, 1000).base_offset, 0);
  EXPECT_EQ(append({"c"}, 1001).base_offset, 2);
  EXPECT_EQ(bounds().start_offset, 0);
  EXPECT_EQ(bounds().end_offset, 3);
  EXPECT_EQ(readValues(0), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(readValues(1), (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(readValues(3).empty());
}

// Values travel as hex literals, or as escaped strings in a transaction of more than 4 MiB
// (kMaxHexLiteralBytes): either way every byte value, the empty value and a large one come
// back byte for byte.
TEST_F(PartitionStoreTest, EveryByteValueRoundTripsInSmallAndLargeTransactions) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  std::string large(1 << 16, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>((i * 131) % 256);
  EXPECT_EQ(append({all_bytes, "", large}, 1000).base_offset, 0);
  std::string huge(5 << 20, '\0');
  for (size_t i = 0; i < huge.size(); ++i) huge[i] = static_cast<char>((i * 7) % 256);
  EXPECT_EQ(append({huge, all_bytes}, 1001).base_offset, 3);
  EXPECT_EQ(readValues(0), (std::vector<std::string>{all_bytes, "", large, huge, all_bytes}));
}

// Count executions of server-side prepared statements on one connection.
int64_t preparedExecutions(DbConnection& db) {
  auto rows = db.query("SHOW SESSION STATUS LIKE 'Com_stmt_execute'");
  return rows->next() ? rows->getInt64(2) : -1;
}

// A group commit of more than 4 MiB (a full group at async produce) still sends a large
// partition's rows in prepared INSERTs; only the few left over go as text. 4,200 rows of
// 1 KiB are 65 statements of 64 rows, one of 32 and 8 rows of text, all read back exactly.
TEST_F(PartitionStoreTest, ATransactionOfMoreThanFourMiBStillUsesPreparedInserts) {
  std::vector<std::string> values(4200);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = std::string(1024, static_cast<char>('a' + i % 26)) + std::to_string(i);
  }
  auto db = db_.pool().acquire();
  const int64_t before = preparedExecutions(*db);
  const AppendBatch appended = appendOn(db, values, 1000);
  ASSERT_EQ(appended.error, rpc::ErrorCode::NONE) << appended.error_message;
  EXPECT_EQ(appended.base_offset, 0);
  EXPECT_EQ(preparedExecutions(*db) - before, 66);

  std::vector<std::string> stored;
  for (const auto& m : PartitionStore::read(*db, kTable, 0, 5000, 64 << 20)) {
    stored.push_back(m.value);
  }
  EXPECT_EQ(stored, values);
}

// A partition's rows from kMinPreparedRows (16) on go in prepared INSERTs of power-of-two
// row counts up to 64, the rest as text: 100 rows are 64 + 32 prepared and 4 in text. Keys
// (set, empty or none), headers, every byte value and timestamps come back as sent whichever
// way a row went; and a later append reuses the statements.
TEST_F(PartitionStoreTest, RowsOfALargeBatchGoInPreparedStatementsAndReadBackExactly) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  std::vector<rpc::Message> messages(100);
  std::vector<const rpc::Message*> pointers;
  for (size_t i = 0; i < messages.size(); ++i) {
    auto& m = messages[i];
    m.value = i % 7 == 0 ? "" : all_bytes.substr(i % 256) + std::to_string(i);
    if (i % 3 == 1) m.__set_key(all_bytes.substr(0, i));  // i == 1: a one-byte key of \0
    if (i % 3 == 2) m.__set_key("");
    if (i % 5 == 0) m.headers = {{"trace", std::to_string(i)}, {"bin", all_bytes.substr(200)}};
    m.timestamp_ms = i % 2 == 0 ? 500 + static_cast<int64_t>(i) : 0;  // 0: the append time
    pointers.push_back(&m);
  }
  auto db = db_.pool().acquire();
  const int64_t before = preparedExecutions(*db);
  for (int round = 0; round < 2; ++round) {
    std::vector<AppendBatch> batches(1);
    batches[0].messages = &pointers;
    PartitionStore::append(db, kTable, batches, 9000 + round);
    ASSERT_EQ(batches[0].error, rpc::ErrorCode::NONE) << batches[0].error_message;
    EXPECT_EQ(batches[0].base_offset, 100 * round);
  }
  EXPECT_EQ(preparedExecutions(*db) - before, 4);  // 64 + 32, twice

  const auto stored = PartitionStore::read(*db, kTable, 0, 200, 64 << 20);
  ASSERT_EQ(stored.size(), 200u);
  for (size_t n = 0; n < stored.size(); ++n) {
    const rpc::Message& sent = messages[n % 100];
    SCOPED_TRACE(n);
    EXPECT_EQ(stored[n].offset, static_cast<int64_t>(n));
    EXPECT_EQ(stored[n].__isset.key, sent.__isset.key);
    EXPECT_EQ(stored[n].key, sent.key);
    EXPECT_EQ(stored[n].headers, sent.headers);
    EXPECT_EQ(stored[n].value, sent.value);
    const int64_t append_ms = 9000 + static_cast<int64_t>(n / 100);
    EXPECT_EQ(stored[n].append_time_ms, append_ms);
    EXPECT_EQ(stored[n].timestamp_ms, sent.timestamp_ms > 0 ? sent.timestamp_ms : append_ms);
    // The broker's cache of recent appends answers fetches with this form: it must be what
    // the read returned, field by field.
    EXPECT_EQ(PartitionStore::storedForm(sent, static_cast<int64_t>(n), append_ms), stored[n]);
  }
}

// A connection keeps prepared INSERTs of kRecentParameters in all: a group over more
// partitions than that holds (12 x (64 + 32 rows) x 6 columns) writes the rows of the
// shapes it does not keep as text, and every row still reads back exactly, in order; no
// statement is prepared twice.
TEST_F(PartitionStoreTest, AGroupOverMoreShapesThanAConnectionKeepsStoresEveryRowExactly) {
  constexpr int kPartitions = 12;
  constexpr int kRows = 100;  // 64 + 32 prepared when kept, 4 in text
  static_assert(kPartitions * (64 + 32) * 6 > DbConnection::kRecentParameters);
  std::vector<rpc::Message> messages(kRows);
  std::vector<const rpc::Message*> pointers;
  for (int i = 0; i < kRows; ++i) {
    messages[i].value = std::string(1, static_cast<char>(i)) + "'\\" + std::to_string(i);
    if (i % 2 == 0) messages[i].__set_key(std::to_string(i));
    pointers.push_back(&messages[i]);
  }
  auto db = db_.pool().acquire();
  std::vector<std::string> tables;
  for (int p = 0; p < kPartitions; ++p) {
    tables.push_back(fmt::format("mq_many_p{}", p));
    PartitionStore::createPartition(*db, tables.back(), 1000);
  }
  auto sessionCounter = [&](const char* name) {
    auto rows = db->query(fmt::format("SHOW SESSION STATUS LIKE '{}'", name));
    return rows->next() ? rows->getInt64(2) : -1;
  };
  const int64_t prepares_before = sessionCounter("Com_stmt_prepare");
  int64_t prepares_after_first = 0;
  for (int round = 0; round < 3; ++round) {
    std::vector<PartitionAppend> group;
    for (const auto& table : tables) {
      group.push_back(PartitionAppend{table, std::vector<AppendBatch>(1)});
      group.back().batches[0].messages = &pointers;
    }
    PartitionStore::append(db, group, 7000 + round);
    for (const auto& part : group) {
      ASSERT_EQ(part.batches[0].error, rpc::ErrorCode::NONE) << part.batches[0].error_message;
      EXPECT_EQ(part.batches[0].base_offset, kRows * round);
    }
    if (round == 0) prepares_after_first = sessionCounter("Com_stmt_prepare");
  }
  // What the first round prepared served the others.
  EXPECT_GT(prepares_after_first, prepares_before);
  EXPECT_EQ(sessionCounter("Com_stmt_prepare"), prepares_after_first);
  for (const auto& table : tables) {
    const auto stored = PartitionStore::read(*db, table, 0, 3 * kRows + 1, 64 << 20);
    ASSERT_EQ(stored.size(), static_cast<size_t>(3 * kRows)) << table;
    for (size_t n = 0; n < stored.size(); ++n) {
      EXPECT_EQ(stored[n], PartitionStore::storedForm(messages[n % kRows], static_cast<int64_t>(n),
                                                      7000 + static_cast<int64_t>(n / kRows)))
          << table << " offset " << n;
    }
  }
}

// Messages due later leave gaps in the batch, not in the offsets: the rest still get dense
// offsets in order across the prepared statements and the text INSERT.
TEST_F(PartitionStoreTest, DelayedMessagesAmongPreparedRowsLeaveNoGapInTheOffsets) {
  std::vector<rpc::Message> messages(60);
  std::vector<const rpc::Message*> pointers;
  std::vector<std::string> expected;
  for (size_t i = 0; i < messages.size(); ++i) {
    messages[i].value = "m" + std::to_string(i);
    if (i % 4 == 3) {
      messages[i].deliver_at_ms = 1'000'000;  // due long after the append at 2000
    } else {
      expected.push_back(messages[i].value);
    }
    pointers.push_back(&messages[i]);
  }
  std::vector<AppendBatch> batches(1);
  batches[0].messages = &pointers;
  auto db = db_.pool().acquire();
  PartitionStore::append(db, kTable, batches, 2000);
  ASSERT_EQ(batches[0].error, rpc::ErrorCode::NONE) << batches[0].error_message;
  EXPECT_EQ(bounds().end_offset, 45);  // 32 prepared + 13 in text
  EXPECT_EQ(readValues(0), expected);
  EXPECT_EQ(PartitionStore::delayedCount(*db, kTable), 15);
}

// A group commit locks only its own partitions' state rows: another transaction holding a
// partition outside the group does not hold it up. (On a table this small the optimizer
// scans every row unless told to use the primary key, and the scan waited for the other
// transaction's row: groups on disjoint partitions deadlocked.)
TEST_F(PartitionStoreTest, AGroupCommitDoesNotWaitForOtherPartitionsLockedElsewhere) {
  {
    auto db = db_.pool().acquire();
    for (int p = 1; p < 16; ++p)
      PartitionStore::createPartition(*db, fmt::format("mq_t1_p{}", p), 100);
  }
  auto holder = db_.pool().acquire();
  holder->execute("START TRANSACTION");
  ASSERT_TRUE(
      holder
          ->query(
              "SELECT next_offset FROM mq_partition_state WHERE table_name = 'mq_t1_p9' FOR UPDATE")
          ->next());

  rpc::Message message;
  message.value = "v";
  std::vector<const rpc::Message*> pointers{&message};
  std::vector<PartitionAppend> group;
  for (int p = 0; p < 8; ++p) {
    group.push_back(PartitionAppend{fmt::format("mq_t1_p{}", p), std::vector<AppendBatch>(1)});
    group.back().batches[0].messages = &pointers;
  }
  auto db = db_.pool().acquire();
  db->execute("SET SESSION innodb_lock_wait_timeout = 1");
  EXPECT_NO_THROW(PartitionStore::append(db, group, 3000));
  for (const auto& partition : group) EXPECT_EQ(partition.batches[0].base_offset, 0);
  holder->execute("ROLLBACK");
}

// A small group goes in one round trip; a sealed partition or one without a state row in
// it sends the group through the two-trip path instead, which refuses just those two and
// appends the others at their log ends with the append time kept monotonic.
TEST_F(PartitionStoreTest, ASmallGroupWithASealedOrStatelessPartitionRefusesOnlyThose) {
  {
    auto db = db_.pool().acquire();
    for (int p = 1; p < 4; ++p)
      PartitionStore::createPartition(*db, fmt::format("mq_t1_p{}", p), 100);
  }
  rpc::Message message;
  message.value = "v";
  std::vector<const rpc::Message*> one{&message};
  std::vector<const rpc::Message*> two{&message, &message};
  auto groupOf = [&](const std::vector<const rpc::Message*>& rows) {
    std::vector<PartitionAppend> group;
    for (int p = 0; p < 4; ++p) {
      group.push_back(PartitionAppend{fmt::format("mq_t1_p{}", p), std::vector<AppendBatch>(1)});
      group.back().batches[0].messages = &rows;
    }
    return group;
  };
  auto db = db_.pool().acquire();
  auto first = groupOf(two);
  AppendTrace trace;
  PartitionStore::append(db, first, 5000, &trace);
  EXPECT_FALSE(trace.lock.has_value());  // one round trip
  for (const auto& partition : first) {
    EXPECT_EQ(partition.batches[0].error, rpc::ErrorCode::NONE) << partition.table;
    EXPECT_EQ(partition.batches[0].base_offset, 0) << partition.table;
    EXPECT_EQ(partition.batches[0].append_ms, 5000) << partition.table;
  }
  PartitionStore::seal(*db, "mq_t1_p1");
  db->execute("DELETE FROM mq_partition_state WHERE table_name = 'mq_t1_p2'");

  auto second = groupOf(one);
  PartitionStore::append(db, second, 4000, &trace);  // a clock behind the last append
  EXPECT_TRUE(trace.lock.has_value());               // two round trips
  EXPECT_EQ(second[1].batches[0].error, rpc::ErrorCode::PARTITION_READ_ONLY);
  EXPECT_EQ(second[2].batches[0].error, rpc::ErrorCode::UNKNOWN_TOPIC)
      << second[2].batches[0].error_message;
  for (int p : {0, 3}) {
    EXPECT_EQ(second[p].batches[0].error, rpc::ErrorCode::NONE);
    EXPECT_EQ(second[p].batches[0].base_offset, 2);
    EXPECT_EQ(second[p].batches[0].append_ms, 5000);  // never below the partition's last
  }
  EXPECT_EQ(PartitionStore::bounds(*db, "mq_t1_p1").end_offset, 2);  // the sealed one: unchanged
  EXPECT_EQ(PartitionStore::bounds(*db, "mq_t1_p3").end_offset, 3);

  auto third = groupOf(one);
  third.erase(third.begin() + 1, third.begin() + 3);  // p0 and p3: one trip again
  PartitionStore::append(db, third, 4500, &trace);
  EXPECT_FALSE(trace.lock.has_value());  // one round trip
  for (const auto& partition : third) {
    EXPECT_EQ(partition.batches[0].base_offset, 3) << partition.table;
    EXPECT_EQ(partition.batches[0].append_ms, 5000) << partition.table;
  }
  EXPECT_EQ(PartitionStore::read(*db, "mq_t1_p3", 0, 100, 1 << 20).size(), 4u);
}

TEST_F(PartitionStoreTest, AnIdempotentRetryIsWrittenOnceAndAGapIsRefused) {
  const ProducerTag first{7, 0, 0};
  EXPECT_EQ(append({"a", "b"}, 1000, first).base_offset, 0);
  const AppendBatch retry = append({"a", "b"}, 1001, first);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, 0);  // its original offsets
  const AppendBatch gap = append({"x"}, 1002, ProducerTag{7, 0, 5});
  EXPECT_EQ(gap.error, rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE);
  EXPECT_EQ(append({"c"}, 1003, ProducerTag{7, 0, 2}).base_offset, 2);  // the next sequence
  EXPECT_EQ(readValues(0), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(PartitionStoreTest, ASealRefusesAppendsUntilUnsealed) {
  append({"a"}, 1000);
  {
    auto db = db_.pool().acquire();
    const PartitionBounds sealed = PartitionStore::seal(*db, kTable);
    EXPECT_EQ(sealed.end_offset, 1);
  }
  const AppendBatch refused = append({"b"}, 1001);
  EXPECT_EQ(refused.error, rpc::ErrorCode::PARTITION_READ_ONLY);
  EXPECT_EQ(bounds().end_offset, 1);  // nothing written
  {
    auto db = db_.pool().acquire();
    PartitionStore::unseal(*db, kTable);
  }
  EXPECT_EQ(append({"b"}, 1002).base_offset, 1);
}

TEST_F(PartitionStoreTest, TheOffsetForATimeIsTheFirstAppendedAtOrAfterIt) {
  append({"a"}, 1000);
  append({"b"}, 2000);
  append({"c"}, 3000);
  auto db = db_.pool().acquire();
  const PartitionBounds b = PartitionStore::bounds(*db, kTable);
  EXPECT_EQ(PartitionStore::offsetForTime(*db, kTable, 0, b), 0);
  EXPECT_EQ(PartitionStore::offsetForTime(*db, kTable, 1500, b), 1);
  EXPECT_EQ(PartitionStore::offsetForTime(*db, kTable, 3000, b), 2);
  EXPECT_EQ(PartitionStore::offsetForTime(*db, kTable, 3001, b), 3);  // none: the end
}

}  // namespace
}  // namespace mq
