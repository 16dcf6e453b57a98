// RecentAppends: which committed appends a fetch may be answered from, and that nothing
// it answers differs from the stored log (offsets, the log end, the pool written through).
// Pools here never connect: the cache only compares their identity.
#include "broker/recent_appends.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mq {
namespace {

constexpr const char* kTable = "mq_t1_p0";

std::shared_ptr<DbPool> makePool() { return std::make_shared<DbPool>(DbTarget{}, DbPoolOptions{}); }

// A batch of `count` messages "v<first value>".., committed at `base_offset`.
struct Batch {
  std::vector<rpc::Message> messages;
  std::vector<const rpc::Message*> pointers;
  AppendBatch append;

  Batch(int64_t base_offset, int count, int first_value = 0, int64_t append_ms = 1000)
      : messages(static_cast<size_t>(count)) {
    for (int i = 0; i < count; ++i) messages[i].value = "v" + std::to_string(first_value + i);
    for (auto& m : messages) pointers.push_back(&m);
    append.messages = &pointers;
    append.base_offset = base_offset;
    append.append_ms = append_ms;
  }
};

// What the produce handler and the group commit's leader do: the stored form made before
// the append, kept once it committed.
void add(RecentAppends& recent, const std::shared_ptr<DbPool>& pool, const std::string& table,
         const AppendBatch& batch) {
  std::vector<rpc::StoredMessage> prepared;
  if (batch.messages != nullptr) prepared = recent.prepare(table, *batch.messages);
  recent.add(pool, table, batch, std::move(prepared));
}

std::vector<int64_t> offsetsOf(const SharedMessages& messages) {
  std::vector<int64_t> offsets;
  for (const auto& m : messages) offsets.push_back(m->offset);
  return offsets;
}

// One pool and a cache of 1 MiB in which kTable is tailed; `out` takes what reads return.
class RecentAppendsTest : public ::testing::Test {
 protected:
  RecentAppendsTest() { recent.tail(kTable); }

  std::shared_ptr<DbPool> pool = makePool();
  RecentAppends recent{1 << 20};
  SharedMessages out;
};

TEST_F(RecentAppendsTest, AnswersWithTheStoredFormOfAnAcknowledgedAppend) {
  Batch batch(10, 3);
  batch.messages[0].__set_key("k");
  batch.messages[1].__set_key("");
  batch.messages[1].headers = {{"trace", "t1"}};
  batch.messages[2].timestamp_ms = 77;
  add(recent, pool, kTable, batch.append);

  ASSERT_TRUE(recent.read(pool, kTable, 10, 13, 100, 1 << 20, out));
  ASSERT_EQ(out.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*out[i], PartitionStore::storedForm(batch.messages[i], 10 + i, 1000));
  }
  EXPECT_EQ(out[0]->timestamp_ms, 1000);  // no producer timestamp: the append time
  EXPECT_EQ(out[2]->timestamp_ms, 77);
}

TEST_F(RecentAppendsTest, DelayedMessagesTakeNoOffset) {
  Batch batch(0, 4);
  batch.messages[1].deliver_at_ms = 5000;  // after the append at 1000: in the delay table
  add(recent, pool, kTable, batch.append);
  ASSERT_TRUE(recent.read(pool, kTable, 0, 3, 100, 1 << 20, out));
  ASSERT_EQ(offsetsOf(out), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(out[1]->value, "v2");
}

TEST_F(RecentAppendsTest, NeverAnswersAtOrPastTheStoredLogEnd) {
  Batch batch(0, 10);
  add(recent, pool, kTable, batch.append);
  ASSERT_TRUE(recent.read(pool, kTable, 2, 6, 100, 1 << 20, out));
  EXPECT_EQ(offsetsOf(out), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_FALSE(recent.read(pool, kTable, 6, 6, 100, 1 << 20, out));
}

TEST_F(RecentAppendsTest, CutsAtMaxMessagesAndMaxBytesButReturnsAtLeastOne) {
  Batch batch(0, 10);  // values "v0".."v9": 2 bytes each
  add(recent, pool, kTable, batch.append);
  ASSERT_TRUE(recent.read(pool, kTable, 0, 10, 3, 1 << 20, out));
  EXPECT_EQ(out.size(), 3u);
  ASSERT_TRUE(recent.read(pool, kTable, 0, 10, 100, 5, out));
  EXPECT_EQ(out.size(), 2u);
  ASSERT_TRUE(recent.read(pool, kTable, 0, 10, 100, 1, out));
  EXPECT_EQ(out.size(), 1u);
}

TEST_F(RecentAppendsTest, MissesOffsetsItDoesNotHold) {
  Batch batch(100, 10);
  add(recent, pool, kTable, batch.append);
  EXPECT_FALSE(recent.read(pool, kTable, 99, 200, 100, 1 << 20, out));
  EXPECT_FALSE(recent.read(pool, kTable, 110, 200, 100, 1 << 20, out));
  EXPECT_FALSE(recent.read(pool, "mq_t1_p1", 100, 200, 100, 1 << 20, out));
  EXPECT_TRUE(out.empty());
}

// A failover replaces the datanode's pool: nothing written through the old one is used.
TEST(RecentAppends, RunsOfAnotherPoolAreNeverUsed) {
  auto old_pool = makePool();
  RecentAppends recent(1 << 20);
  recent.tail(kTable);
  Batch batch(0, 5);
  add(recent, old_pool, kTable, batch.append);
  auto new_pool = makePool();
  SharedMessages out;
  EXPECT_FALSE(recent.read(new_pool, kTable, 0, 5, 100, 1 << 20, out));
  old_pool.reset();
  EXPECT_FALSE(recent.read(new_pool, kTable, 0, 5, 100, 1 << 20, out));
  // An append through the new pool starts the table afresh.
  Batch next(5, 2);
  add(recent, new_pool, kTable, next.append);
  EXPECT_FALSE(recent.read(new_pool, kTable, 0, 7, 100, 1 << 20, out));
  ASSERT_TRUE(recent.read(new_pool, kTable, 5, 7, 100, 1 << 20, out));
  EXPECT_EQ(offsetsOf(out), (std::vector<int64_t>{5, 6}));
}

// An append that does not continue the run starts it afresh, and the run never spans what
// it did not see: a gap (rows of another broker or the delay mover came in between), or
// offsets that went back (the datanode lost a tail).
TEST(RecentAppends, AnAppendThatDoesNotContinueTheRunStartsItAfresh) {
  for (const int64_t next_base : {20, 5}) {
    SCOPED_TRACE(next_base);
    auto pool = makePool();
    RecentAppends recent(1 << 20);
    recent.tail(kTable);
    Batch first(0, 10);
    Batch next(next_base, 3, 100);
    add(recent, pool, kTable, first.append);
    add(recent, pool, kTable, next.append);
    SharedMessages out;
    EXPECT_FALSE(recent.read(pool, kTable, 0, next_base + 3, 100, 1 << 20, out));
    ASSERT_TRUE(recent.read(pool, kTable, next_base, next_base + 3, 100, 1 << 20, out));
    EXPECT_EQ(out.front()->value, "v100");
    EXPECT_EQ(out.size(), 3u);
  }
}

TEST_F(RecentAppendsTest, DuplicatesFailuresAndEmptyOutcomesAreNotKept) {
  Batch duplicate(0, 3);
  duplicate.append.duplicate = true;
  Batch refused(0, 3);
  refused.append.error = rpc::ErrorCode::PARTITION_READ_ONLY;
  Batch nothing(-1, 3);  // every message delayed, or an idempotent retry: no base offset
  for (auto* batch : {&duplicate, &refused, &nothing}) add(recent, pool, kTable, batch->append);
  EXPECT_FALSE(recent.read(pool, kTable, 0, 3, 100, 1 << 20, out));
  EXPECT_EQ(recent.bytes(), 0);
}

TEST(RecentAppends, OffKeepsNothing) {
  auto pool = makePool();
  RecentAppends recent(0);
  recent.tail(kTable);
  Batch batch(0, 3);
  add(recent, pool, kTable, batch.append);
  SharedMessages out;
  EXPECT_FALSE(recent.read(pool, kTable, 0, 3, 100, 1 << 20, out));
  EXPECT_EQ(recent.bytes(), 0);
}

// A table keeps at most a sixteenth of the bound (its oldest messages go first); over the
// bound, the tables appended to least recently go whole.
TEST(RecentAppends, StaysWithinItsBounds) {
  auto pool = makePool();
  const int64_t max_bytes = 16 * 4096;
  RecentAppends recent(max_bytes);
  recent.tail(kTable);
  const std::string value(900, 'x');  // ~1 KiB held per message with the fixed cost
  auto batchOf = [&](int64_t base, int count) {
    auto batch = std::make_unique<Batch>(base, count);
    for (auto& m : batch->messages) m.value = value;
    return batch;
  };
  auto big = batchOf(0, 10);  // more than one table's share (4 KiB)
  add(recent, pool, kTable, big->append);
  SharedMessages out;
  EXPECT_FALSE(recent.read(pool, kTable, 0, 10, 100, 1 << 20, out));  // the oldest went
  ASSERT_TRUE(recent.read(pool, kTable, 9, 10, 100, 1 << 20, out));
  EXPECT_LE(recent.bytes(), max_bytes / 16);

  for (int t = 0; t < 40; ++t) {
    auto batch = batchOf(0, 4);
    const std::string table = "mq_t2_p" + std::to_string(t);
    recent.tail(table);
    add(recent, pool, table, batch->append);
    EXPECT_LE(recent.bytes(), max_bytes);
  }
  EXPECT_FALSE(recent.read(pool, "mq_t2_p0", 0, 4, 100, 1 << 20, out));  // appended first
  EXPECT_TRUE(recent.read(pool, "mq_t2_p39", 3, 4, 100, 1 << 20, out));  // appended last
}

// Producing with no consumer at the log end keeps nothing: only tables a fetch reached the
// end of (tail) are kept.
TEST_F(RecentAppendsTest, OnlyTailedTablesAreKept) {
  const std::string untailed = "mq_t1_p1";
  Batch batch(0, 3);
  add(recent, pool, untailed, batch.append);
  EXPECT_FALSE(recent.read(pool, untailed, 0, 3, 100, 1 << 20, out));
  EXPECT_EQ(recent.bytes(), 0);

  recent.tail(untailed);
  Batch next(3, 3);
  add(recent, pool, untailed, next.append);
  ASSERT_TRUE(recent.read(pool, untailed, 3, 6, 100, 1 << 20, out));
  EXPECT_GT(recent.bytes(), 0);
}

// Tables tailed once and never appended to again (a dropped topic's) do not pile up: they
// go in a sweep once the count of tables doubles past 1024.
TEST(RecentAppends, TablesNoLongerTailedAreSwept) {
  RecentAppends recent(1 << 20, std::chrono::milliseconds(1));
  for (int t = 0; t < 1024; ++t) recent.tail("mq_t3_p" + std::to_string(t));
  EXPECT_EQ(recent.tables(), 1024u);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  recent.tail(kTable);
  EXPECT_EQ(recent.tables(), 1u);
}

// The copies are made before the append, only for tailed tables: a batch prepared before
// its table was tailed is not kept, and the next one starts the run.
TEST_F(RecentAppendsTest, ABatchPreparedBeforeItsTableWasTailedIsNotKept) {
  const std::string table = "mq_t1_p1";
  Batch early(0, 2);
  auto prepared = recent.prepare(table, early.pointers);
  EXPECT_TRUE(prepared.empty());
  recent.tail(table);
  recent.add(pool, table, early.append, std::move(prepared));
  EXPECT_FALSE(recent.read(pool, table, 0, 2, 100, 1 << 20, out));

  Batch next(2, 2, 2);
  recent.add(pool, table, next.append, recent.prepare(table, next.pointers));
  ASSERT_TRUE(recent.read(pool, table, 2, 4, 100, 1 << 20, out));
  EXPECT_EQ(offsetsOf(out), (std::vector<int64_t>{2, 3}));
}

// A fetch can read a log end moved by a group commit whose writer has not added its
// messages yet. Such a read waits for the group (here with a wait long enough that only
// written() ends it) and is answered from the run.
class WriterWaitTest : public ::testing::Test {
 protected:
  static constexpr auto kLongWait = std::chrono::seconds(30);

  WriterWaitTest() {
    recent.tail(kTable);
    add(recent, pool, kTable, first.append);  // the run holds offsets 0..3
  }

  // Reads at the run's end (offset 4) below `end_offset`; how long it took in `took`.
  bool readAtTheRunsEnd(int64_t end_offset, std::chrono::steady_clock::duration& took) {
    const auto started = std::chrono::steady_clock::now();
    const bool found = recent.read(pool, kTable, 4, end_offset, 100, 1 << 20, out);
    took = std::chrono::steady_clock::now() - started;
    return found;
  }

  // Reads at the run's end below 7 while a group writes offsets 4..6 (`second`) on another
  // thread, which then keeps them (or, failing, does not) and says it is done.
  bool readWhileTheGroupWrites(bool keep, std::chrono::steady_clock::duration& took) {
    recent.writing(kTable, 3);
    std::thread group([this, keep] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (keep) add(recent, pool, kTable, second.append);
      recent.written(kTable, 3);
    });
    const bool found = readAtTheRunsEnd(7, took);
    group.join();
    return found;
  }

  std::shared_ptr<DbPool> pool = makePool();
  RecentAppends recent{1 << 20, RecentAppends::kTailWindow, kLongWait};
  Batch first{0, 4};
  Batch second{4, 3, 4};
  SharedMessages out;
};

TEST_F(WriterWaitTest, AReadPastTheRunWaitsForTheGroupWritingItsTable) {
  std::chrono::steady_clock::duration took{};
  ASSERT_TRUE(readWhileTheGroupWrites(true, took));
  EXPECT_EQ(offsetsOf(out), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(out[0]->value, "v4");
}

TEST_F(WriterWaitTest, AFailedGroupEndsTheWaitWithAMiss) {
  std::chrono::steady_clock::duration took{};
  EXPECT_FALSE(readWhileTheGroupWrites(false, took));
  EXPECT_LT(took, kLongWait / 2);
}

// Rows beyond what this broker's groups write are other writers': no wait, the database.
TEST_F(WriterWaitTest, ALogEndBeyondWhatTheGroupsWriteIsReadAtOnce) {
  recent.writing(kTable, 3);
  std::chrono::steady_clock::duration took{};
  EXPECT_FALSE(readAtTheRunsEnd(8, took));
  EXPECT_LT(took, kLongWait / 2);
  recent.written(kTable, 3);
}

TEST_F(WriterWaitTest, WithNoGroupWritingAReadPastTheRunMissesAtOnce) {
  recent.writing(kTable, 3);
  recent.written(kTable, 3);
  std::chrono::steady_clock::duration took{};
  EXPECT_FALSE(readAtTheRunsEnd(7, took));
  EXPECT_LT(took, kLongWait / 2);
}

}  // namespace
}  // namespace mq
