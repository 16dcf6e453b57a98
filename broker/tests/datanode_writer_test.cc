// DatanodeWriter against a real MariaDB: what its group commits store goes into the recent
// appends before the callers are answered, in offset order, exactly as a read returns it; a
// read of the log end a group is moving waits for that group's messages.
#include "broker/datanode_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/partition_store.h"
#include "tests/harness/row_lock.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

constexpr char kTable[] = "p_tailed";
constexpr int kThreads = 4;
constexpr int kRequests = 40;
constexpr int kMessages = 5;

class DatanodeWriterTest : public ::testing::Test {
 protected:
  DatanodeWriterTest() {
    applyMigrations(database_.pool(), datanodeMigrations());
    auto db = database_.pool().acquire();
    PartitionStore::createPartition(*db, kTable);
    recent_.tail(kTable);
  }

  // One produce request of one partition batch of `messages`, as the produce handler hands
  // it to `writer`; returns it with its outcome.
  std::vector<WriteItem> append(DatanodeWriter& writer,
                                const std::vector<const rpc::Message*>& messages,
                                const std::string& table = kTable) {
    std::vector<WriteItem> items(1);
    items[0].table = table;
    items[0].batch.messages = &messages;
    items[0].bytes = static_cast<int64_t>(messages.size()) * 8;
    items[0].recent = recent_.prepare(table, messages);
    writer.append(pool_, items);
    return items;
  }

  // One message `value` appended to `table` through `writer`; the item with its outcome.
  WriteItem appendOne(DatanodeWriter& writer, const std::string& table, const std::string& value) {
    rpc::Message message;
    message.value = value;
    auto items = append(writer, {&message}, table);
    items[0].batch.messages = nullptr;  // this call's message, gone on return
    return std::move(items[0]);
  }

  // A request of kMessages through `writer`, kept before the caller hears of it.
  void produce(DatanodeWriter& writer, int thread, int request) {
    std::vector<rpc::Message> messages(kMessages);
    std::vector<const rpc::Message*> pointers;
    for (int m = 0; m < kMessages; ++m) {
      messages[m].value =
          "t" + std::to_string(thread) + "-" + std::to_string(request) + "-" + std::to_string(m);
      pointers.push_back(&messages[m]);
    }
    const auto items = append(writer, pointers);
    ASSERT_FALSE(items[0].failure);
    SharedMessages out;
    const int64_t base = items[0].batch.base_offset;
    ASSERT_TRUE(recent_.read(pool_, kTable, base, base + kMessages, kMessages, 1 << 20, out));
    ASSERT_EQ(out.size(), static_cast<size_t>(kMessages));
    EXPECT_EQ(out.front()->value, messages.front().value);
  }

  test::TestDatabase database_;
  // The test database's pool, not owned (it outlives the writer); a control block of its own,
  // so that the recent appends can tell it from other pools.
  std::shared_ptr<DbPool> pool_{&database_.pool(), [](DbPool*) {}};
  // Reads wait for a group writing their table until it is done (no time limit that a slow
  // machine could reach).
  RecentAppends recent_{32 << 20, RecentAppends::kTailWindow, std::chrono::minutes(1)};
};

TEST_F(DatanodeWriterTest, ConcurrentGroupCommitsKeepOnePartitionsAppendsInOneRunInOffsetOrder) {
  DatanodeWriter writer(GroupCommitLimits{}, "b1", &recent_);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRequests; ++r) produce(writer, t, r);
    });
  }
  for (auto& thread : threads) thread.join();

  constexpr int kTotal = kThreads * kRequests * kMessages;
  auto db = database_.pool().acquire();
  const auto stored = PartitionStore::read(*db, kTable, 0, kTotal + 1, 1 << 30);
  ASSERT_EQ(stored.size(), static_cast<size_t>(kTotal));
  // One run from the first offset: no append restarted it (out of order, or missing).
  SharedMessages kept;
  ASSERT_TRUE(recent_.read(pool_, kTable, 0, kTotal, kTotal, 1 << 30, kept));
  ASSERT_EQ(kept.size(), stored.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(*kept[i], stored[i]) << "offset " << i;
  }
}

TEST_F(DatanodeWriterTest, AWriterWithoutRecentAppendsKeepsNothing) {
  DatanodeWriter writer(GroupCommitLimits{}, "b1");
  std::vector<rpc::Message> messages(1);
  messages[0].value = "v";
  std::vector<const rpc::Message*> pointers{&messages[0]};
  ASSERT_FALSE(append(writer, pointers)[0].failure);
  SharedMessages out;
  EXPECT_FALSE(recent_.read(pool_, kTable, 0, 1, 10, 1 << 20, out));
}

// A fetch can read the log end a group's COMMIT moved before the writer kept the group's
// messages: the group marks its table while it writes, and such a read waits for it and is
// answered from the recent appends, not from the database.
TEST_F(DatanodeWriterTest, AReadOfTheLogEndAGroupIsMovingWaitsForItsMessages) {
  DatanodeWriter writer(GroupCommitLimits{}, "b1", &recent_);
  std::vector<rpc::Message> messages(3);
  for (size_t m = 0; m < messages.size(); ++m) messages[m].value = "m" + std::to_string(m);
  std::vector<const rpc::Message*> first{&messages[0]};
  std::vector<const rpc::Message*> second{&messages[1], &messages[2]};
  ASSERT_FALSE(append(writer, first)[0].failure);  // the run holds offset 0

  test::RowLock lock(database_.pool(), kTable);
  auto group = std::async(std::launch::async, [&] { return append(writer, second); });
  ASSERT_GT(test::waitingConnection(database_.pool(), database_.target().database), 0);
  SharedMessages out;
  // As a fetch that read the log end 3 (the group's two messages committed) would.
  auto read = std::async(std::launch::async,
                         [&] { return recent_.read(pool_, kTable, 1, 3, 10, 1 << 20, out); });
  EXPECT_EQ(read.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the read did not wait for the group writing its table";
  lock.release();
  const auto items = group.get();
  ASSERT_FALSE(items[0].failure);
  EXPECT_EQ(items[0].batch.base_offset, 1);
  ASSERT_TRUE(read.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->value, "m1");
  EXPECT_EQ(out[1]->offset, 2);
}

// Closed-loop callers (group_gather.h): a group that answered one caller while two queued
// waits for that caller's next request and takes all three in one transaction; and a group
// that waits for callers who do not all come back still starts (at its deadline) and
// answers those who did. Row locks hold each group long enough to set up the next.
TEST_F(DatanodeWriterTest, AGroupGathersTheCallersTheLastAnsweredAndStartsWithoutLateOnes) {
  GroupCommitLimits limits;
  limits.gather_us = 5'000'000;  // bounded by the last group's duration: the locks' time
  DatanodeWriter writer(limits, "b1");
  const std::string x = "p_gather_x", y = "p_gather_y";
  {
    auto db = database_.pool().acquire();
    PartitionStore::createPartition(*db, x);
    PartitionStore::createPartition(*db, y);
  }
  const std::string database = database_.target().database;

  auto lock_x = std::make_unique<test::RowLock>(database_.pool(), x);
  auto lock_y = std::make_unique<test::RowLock>(database_.pool(), y);
  // Caller A: its first request is group 1 (held at x's lock); answered, it sends again.
  auto a = std::async(std::launch::async, [&] {
    const WriteItem first = appendOne(writer, x, "a1");
    EXPECT_FALSE(first.failure);
    return appendOne(writer, y, "a2");
  });
  ASSERT_GT(test::waitingConnection(database_.pool(), database), 0);
  // B and C queue behind group 1.
  auto b1 = std::async(std::launch::async, [&] { return appendOne(writer, y, "b1"); });
  auto c1 = std::async(std::launch::async, [&] { return appendOne(writer, y, "c1"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  lock_x.reset();
  // Group 2 waits for A's second request, then holds at y's lock with all three.
  ASSERT_GT(test::waitingConnection(database_.pool(), database), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  lock_y.reset();
  const WriteItem a2 = a.get(), b = b1.get(), c = c1.get();
  ASSERT_FALSE(a2.failure);
  ASSERT_FALSE(b.failure);
  ASSERT_FALSE(c.failure);
  // One transaction gives its items one trace (the same write round trip, to the ns).
  EXPECT_EQ(a2.trace.write, b.trace.write) << "a2 and b1 went in different groups";
  EXPECT_EQ(c.trace.write, b.trace.write) << "c1 and b1 went in different groups";
  std::vector<int64_t> offsets{a2.batch.base_offset, b.batch.base_offset, c.batch.base_offset};
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 2}));

  // Group 2 answered three callers and waits for them; only B comes back. Its request is
  // answered once the wait ends (at most group 2's ~300 ms), not when others come.
  auto b2 = std::async(std::launch::async, [&] { return appendOne(writer, y, "b2"); });
  const bool started = b2.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  EXPECT_TRUE(started) << "a group waiting for callers that did not come back never started";
  if (!started) {  // the callers it waits for, so that the test ends
    auto c2 = std::async(std::launch::async, [&] { return appendOne(writer, y, "c2"); });
    appendOne(writer, y, "a3");
  }
  const WriteItem late = b2.get();
  ASSERT_FALSE(late.failure);
  EXPECT_EQ(late.batch.base_offset, 3);
}

}  // namespace
}  // namespace mq
