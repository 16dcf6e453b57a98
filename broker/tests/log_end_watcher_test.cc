// LogEndWatcher against a real MariaDB: appends made by another writer (another broker)
// wake the fetches waiting on those partitions, and only those.
#include "broker/log_end_watcher.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <stdexcept>

#include "common/clock.h"
#include "storage/migrations.h"
#include "storage/partition_store.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

using std::chrono::milliseconds;
constexpr int kDatanode = 1;

class LogEndWatcherTest : public ::testing::Test {
 protected:
  LogEndWatcherTest() : metrics_(registry_) {
    applyMigrations(database_.pool(), datanodeMigrations());
    auto db = database_.pool().acquire();
    PartitionStore::createPartition(*db, "p_watched");
    PartitionStore::createPartition(*db, "p_other");
  }

  // The datanode's pool, not owned (the test database outlives the watcher).
  LogEndWatcher::PoolOf poolOf() {
    return [this](int datanode_id) {
      if (datanode_id != kDatanode) throw std::runtime_error("no such datanode");
      return std::shared_ptr<DbPool>(std::shared_ptr<DbPool>(), &database_.pool());
    };
  }

  // What another broker does: append `count` messages to `table` and commit.
  void appendElsewhere(const std::string& table, int count) {
    std::vector<rpc::Message> messages(count);
    std::vector<const rpc::Message*> pointers;
    for (auto& message : messages) {
      message.value = "m";
      pointers.push_back(&message);
    }
    std::vector<AppendBatch> batches(1);
    batches[0].messages = &pointers;
    auto db = database_.pool().acquire();
    PartitionStore::append(db, table, batches, nowMs());
  }

  static bool othersAppend() { return true; }

  bool woken(uint64_t seen, const std::string& table) {
    return notifier_.waitForTables(seen, {table}, milliseconds(0)).changed;
  }

  test::TestDatabase database_;
  prometheus::Registry registry_;
  BrokerMetrics metrics_;
  ChangeNotifier notifier_;
};

TEST_F(LogEndWatcherTest, WakesTheWaitersOfAPartitionAnotherWriterAppendedToAndNoOthers) {
  LogEndWatcher watcher(poolOf(), othersAppend, notifier_, metrics_, milliseconds(5));
  const uint64_t seen = notifier_.sequence();
  auto registration = watcher.watch({{kDatanode, "p_watched", 0}, {kDatanode, "p_other", 0}});
  EXPECT_EQ(watcher.pollOnce(), 0);  // nothing appended yet
  EXPECT_FALSE(woken(seen, "p_watched"));

  appendElsewhere("p_watched", 3);
  EXPECT_EQ(watcher.pollOnce(), 1);
  EXPECT_TRUE(woken(seen, "p_watched"));
  EXPECT_FALSE(woken(seen, "p_other"));
  // Woken once per append: the next round finds nothing new.
  EXPECT_EQ(watcher.pollOnce(), 0);
}

TEST_F(LogEndWatcherTest, AWaiterThatSawLessThanTheLogEndIsWokenAtOnce) {
  appendElsewhere("p_watched", 2);  // before the fetch's wait began: it read end 0
  LogEndWatcher watcher(poolOf(), othersAppend, notifier_, metrics_, milliseconds(5));
  auto registration = watcher.watch({{kDatanode, "p_watched", 0}});
  EXPECT_EQ(watcher.pollOnce(), 1);
}

TEST_F(LogEndWatcherTest, NothingIsWatchedOnceTheFetchesStopWaiting) {
  LogEndWatcher watcher(poolOf(), othersAppend, notifier_, metrics_, milliseconds(5));
  { auto registration = watcher.watch({{kDatanode, "p_watched", 0}}); }
  appendElsewhere("p_watched", 1);
  EXPECT_EQ(watcher.pollOnce(), 0);
}

TEST_F(LogEndWatcherTest, OffWatchesNothing) {
  LogEndWatcher watcher(poolOf(), othersAppend, notifier_, metrics_, milliseconds(0));
  auto registration = watcher.watch({{kDatanode, "p_watched", 0}});
  appendElsewhere("p_watched", 1);
  EXPECT_EQ(watcher.pollOnce(), 0);
}

TEST_F(LogEndWatcherTest, ADatanodeItCannotReachWakesNobodyAndStopsNothing) {
  LogEndWatcher watcher(poolOf(), othersAppend, notifier_, metrics_, milliseconds(5));
  auto registration = watcher.watch({{kDatanode + 1, "p_watched", 0}, {kDatanode, "p_other", 0}});
  appendElsewhere("p_other", 1);
  EXPECT_EQ(watcher.pollOnce(), 1);  // the reachable datanode's partition still
}

TEST_F(LogEndWatcherTest, ABrokerAloneReadsNothing) {
  LogEndWatcher watcher(
      poolOf(), [] { return false; }, notifier_, metrics_, milliseconds(5));
  auto registration = watcher.watch({{kDatanode, "p_watched", 0}});
  appendElsewhere("p_watched", 1);
  EXPECT_EQ(watcher.pollOnce(), 0);
}

TEST_F(LogEndWatcherTest, ItsThreadWakesAWaitingFetch) {
  LogEndWatcher watcher(poolOf(), othersAppend, notifier_, metrics_, milliseconds(5));
  watcher.start();
  const uint64_t seen = notifier_.sequence();
  auto registration = watcher.watch({{kDatanode, "p_watched", 0}});
  appendElsewhere("p_watched", 1);
  // Generous: a failure means it never woke, not that it was slow.
  EXPECT_TRUE(notifier_.waitForTables(seen, {"p_watched"}, milliseconds(10000)).changed);
  watcher.stop();
}

}  // namespace
}  // namespace mq
