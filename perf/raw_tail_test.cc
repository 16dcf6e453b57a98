#include "perf/raw_tail.h"

#include <gtest/gtest.h>

#include <thread>

namespace mq::perf {
namespace {

using std::chrono::milliseconds;

TEST(CommitLedgerTest, AnOffsetBelongsToTheTransactionThatWroteIt) {
  CommitLedger ledger(2);
  const auto t0 = SteadyClock::now();
  ledger.committed(0, 10, t0);                    // offsets 0..9
  ledger.committed(0, 25, t0 + milliseconds(5));  // offsets 10..24
  ledger.committed(1, 3, t0 + milliseconds(7));   // table 1: offsets 0..2
  EXPECT_EQ(ledger.plannedStartOf(0, 0), t0);
  EXPECT_EQ(ledger.plannedStartOf(0, 9), t0);
  EXPECT_EQ(ledger.plannedStartOf(0, 10), t0 + milliseconds(5));
  EXPECT_EQ(ledger.plannedStartOf(0, 24), t0 + milliseconds(5));
  EXPECT_EQ(ledger.plannedStartOf(0, 25), std::nullopt);  // not committed
  EXPECT_EQ(ledger.plannedStartOf(1, 2), t0 + milliseconds(7));
  EXPECT_EQ(ledger.committedEnd(0), 25);
  EXPECT_EQ(ledger.committedEnd(1), 3);
}

TEST(CommitLedgerTest, AnEmptyTableHasNothingCommitted) {
  CommitLedger ledger(1);
  EXPECT_EQ(ledger.committedEnd(0), 0);
  EXPECT_EQ(ledger.plannedStartOf(0, 0), std::nullopt);
}

TEST(CommitLedgerTest, AReaderWaitsOnlyForItsOwnTables) {
  CommitLedger ledger(2);
  ledger.committed(1, 5, SteadyClock::now());  // another reader's table
  bool woke = false;
  std::thread reader([&] { woke = ledger.waitForRows({0}, {0}); });
  std::this_thread::sleep_for(milliseconds(20));
  ledger.committed(0, 4, SteadyClock::now());
  reader.join();
  EXPECT_TRUE(woke);
  // Everything up to 4 read: nothing more to wait for once closed.
  ledger.close();
  EXPECT_FALSE(ledger.waitForRows({0}, {4}));
}

TEST(CommitLedgerTest, AClosedLedgerStillHandsOutRowsNotYetRead) {
  CommitLedger ledger(1);
  ledger.committed(0, 8, SteadyClock::now());
  ledger.close();
  EXPECT_TRUE(ledger.waitForRows({0}, {3}));
  EXPECT_FALSE(ledger.waitForRows({0}, {8}));
}

}  // namespace
}  // namespace mq::perf
