// Automatic datanode failover (docs/operations.md, "Automatic failover"): the datanode's
// server is a primary with a semi-synchronous replica registered with `mqctl datanode
// add-replica`; the metaserver's watchdog checks the primary and, once it failed every check
// for failover-detection (6 s, the default), promotes the replica by itself.
//   - kill -9 of the primary under 4 producers and a consumer group, MQ_FAILOVER_KILLS times
//     (default 2; perf/failover-kills runs 10): every kill is failed over, writes are back
//     within 15 s of it; before the next kill the killed server is restored from a backup of
//     the new primary and rebuilt as its replica (mqctl datanode rebuild-replica). No
//     acknowledged message is lost, the group consumes every stored message (skips nothing).
//     Prints the write-unavailability of each kill.
//   - the former primary rebuilt from a mariadb-backup of the new one (mqctl datanode
//     rebuild-replica) takes the next failover, losing nothing.
//   - SIGSTOP of the primary for 30 s: it is failed over while paused; once it resumes it is
//     set read_only at once and no broker write is acknowledged by it (every acknowledged
//     message is on the new primary).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "metaserver/store/replication_store.h"
#include "mq/client.h"
#include "tests/harness/group_member.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

using Clock = std::chrono::steady_clock;

// Stops and joins a producer thread however the test body ends (an ASSERT returns early).
struct StopAndJoin {
  std::atomic<bool>& stop;
  std::thread& thread;
  ~StopAndJoin() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

int64_t msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

rpc::DatanodeInfo datanode(TestCluster& cluster) {
  std::vector<rpc::DatanodeInfo> datanodes;
  (*cluster.metaClient())->listDatanodes(datanodes, cluster.header());
  return datanodes.at(0);
}

// The port the metadata records for dn0, read from the metadata database itself:
// listDatanodes health-checks every datanode and waits out a paused one.
int recordedPort(TestCluster& cluster) {
  DbPoolOptions options;
  options.max_connections = 1;
  DbPool pool(cluster.metaDb(), options);
  auto db = pool.acquire();
  auto rows = db->query("SELECT port FROM datanodes WHERE name = 'dn0'");
  return rows->next() ? rows->getInt(1) : 0;
}

ClusterOptions replicatedCluster() {
  ClusterOptions options;
  options.brokers = 2;
  options.datanodes = 1;
  options.mariadb_per_datanode = true;
  options.datanode_replicas = true;
  return options;
}

void addReplica(TestCluster& cluster, const MariadbInstance& replica) {
  std::string out, err;
  ASSERT_EQ(
      cluster.mqctl({"datanode", "add-replica", "dn0", fmt::format("127.0.0.1:{}", replica.port())},
                    &out, &err),
      0)
      << out << err;
}

// Waits until the producers' acknowledgements grow by `count`; false after `timeout`.
bool ackedMore(ProduceLedger& ledger, size_t count, std::chrono::milliseconds timeout) {
  const size_t from = ledger.ackedCount();
  return waitFor([&] { return ledger.ackedCount() >= from + count; }, timeout);
}

// Waits until `replica` applied what `primary` has written so far: a replica just built
// replays the primary's whole history first, and a kill before it caught up would measure
// that replay, not the failover. After several failovers under load that history takes
// minutes: the wait goes in 10 s steps, each well inside the connection's read timeout.
void awaitCaughtUp(const MariadbInstance& replica, const MariadbInstance& primary) {
  DbPoolOptions options;
  options.max_connections = 1;
  DbPool primary_pool(primary.target(), options);
  DbPool replica_pool(replica.target(), options);
  const std::string position = ReplicationStore::binlogGtid(*primary_pool.acquire());
  auto db = replica_pool.acquire();
  bool applied = false;
  for (int step = 0; step < 30 && !applied; ++step) {
    applied = ReplicationStore::waitApplied(*db, position, 10);
  }
  ASSERT_TRUE(applied) << "replica on port " << replica.port() << " did not catch up in 5 min";
}

int killCount() {
  const char* text = std::getenv("MQ_FAILOVER_KILLS");
  return text ? std::max(1, std::atoi(text)) : 2;
}

// Restores `stale` (a former primary) from a mariadb-backup of `primary` and makes it the
// datanode's replica with `mqctl datanode rebuild-replica --backup-dir`.
void rebuildFromBackup(TestCluster& cluster, MariadbInstance& stale,
                       const MariadbInstance& primary) {
  const std::string backup = stale.dir() + "-backup";
  stale.restoreFromBackupOf(primary, backup);
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"datanode", "rebuild-replica", "dn0",
                           fmt::format("127.0.0.1:{}", stale.port()), "--backup-dir", backup},
                          &out, &err),
            0)
      << out << err;
  std::filesystem::remove_all(backup);
}

TEST(AutoFailover, PrimaryKilledUnderLoadIsFailedOverByItselfLosingAndSkippingNothing) {
  TestCluster cluster(replicatedCluster());
  cluster.createTopic("orders", 4);
  std::string out, err;
  // Refusals name the problem and record nothing.
  EXPECT_NE(cluster.mqctl({"datanode", "add-replica", "dn0", "127.0.0.1:1"}, &out, &err), 0);
  EXPECT_NE(err.find("cannot reach replica 127.0.0.1:1"), std::string::npos) << err;
  EXPECT_NE(cluster.mqctl({"datanode", "add-replica", "dn0",
                           fmt::format("127.0.0.1:{}", cluster.datanodeMariadb(0).port())},
                          &out, &err),
            0);
  EXPECT_NE(err.find("primary, not a replica"), std::string::npos) << err;
  EXPECT_TRUE(datanode(cluster).replicas.empty());
  addReplica(cluster, cluster.datanodeReplica(0));
  ASSERT_EQ(datanode(cluster).replicas.size(), 1u);

  std::vector<std::unique_ptr<Member>> members;
  members.push_back(std::make_unique<Member>("member-a", cluster, "billing", "orders"));
  members.push_back(std::make_unique<Member>("member-b", cluster, "billing", "orders"));
  auto all = [&] {
    std::vector<const Member*> list;
    for (auto& m : members) list.push_back(m.get());
    return list;
  };

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "orders", 4, stop, ledger); });
  StopAndJoin stop_load{stop, load};
  ASSERT_TRUE(ackedMore(ledger, 500, std::chrono::seconds(30))) << "produce runs";

  MariadbInstance* primary = &cluster.datanodeMariadb(0);
  MariadbInstance* replica = &cluster.datanodeReplica(0);
  std::vector<int64_t> unavailable_ms;
  const int kills = killCount();
  for (int kill = 0; kill < kills; ++kill) {
    ASSERT_TRUE(ackedMore(ledger, 300, std::chrono::seconds(30))) << "kill " << kill;
    awaitCaughtUp(*replica, *primary);
    const int64_t epoch = datanode(cluster).epoch;
    const auto killed_at = Clock::now();
    primary->crash();
    const size_t acked_at_kill = ledger.ackedCount();
    ASSERT_TRUE(waitFor([&] { return datanode(cluster).port == replica->port(); },
                        std::chrono::seconds(60)))
        << "kill " << kill << ": the metaserver did not fail over by itself";
    const int64_t failed_over_ms = msSince(killed_at);
    ASSERT_TRUE(waitFor([&] { return ledger.ackedCount() >= acked_at_kill + 50; },
                        std::chrono::seconds(60)))
        << "kill " << kill << ": producing did not resume";
    unavailable_ms.push_back(msSince(killed_at));
    auto info = datanode(cluster);
    EXPECT_GT(info.epoch, epoch) << "a failover starts a new epoch";
    std::cout << fmt::format("kill {}: failed over {} ms after the kill, writes back after {} ms\n",
                             kill + 1, failed_over_ms, unavailable_ms.back());
    EXPECT_LE(unavailable_ms.back(), 15000) << "writes are back within 15 s of the kill";
    bool stale_recorded = false;
    for (const auto& r : info.replicas) {
      stale_recorded |= r.port == primary->port() && r.state == "stale";
    }
    EXPECT_TRUE(stale_recorded) << "the old primary is recorded as a stale replica";
    if (kill + 1 < kills) {
      // The operator's runbook makes the datanode redundant again: the killed server is
      // restored from a backup of the new primary (under the running load) and rebuilt as
      // its replica with `mqctl datanode rebuild-replica`; it takes the next failover.
      ASSERT_NO_FATAL_FAILURE(rebuildFromBackup(cluster, *primary, *replica));
      awaitCaughtUp(*primary, *replica);
      std::swap(primary, replica);
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  load.join();

  const auto stored = consumeAll(cluster, "orders", 4, 0);
  expectNothingAcknowledgedLost(ledger, stored);
  // The group consumes every stored message: nothing skipped across the failovers.
  auto group_values = [&] {
    std::set<std::string> values;
    for (const Member* m : all()) {
      for (const auto& e : m->events()) {
        if (e.kind == "consumed" && e.fields.size() >= 4) values.insert(e.fields[3]);
      }
    }
    return values;
  };
  const bool caught_up = waitFor(
      [&] {
        auto values = group_values();
        return std::all_of(stored.begin(), stored.end(),
                           [&](const auto& entry) { return values.count(entry.first) > 0; });
      },
      std::chrono::seconds(60));
  size_t skipped = 0;
  auto values = group_values();
  for (const auto& [value, count] : stored) skipped += values.count(value) == 0;
  EXPECT_TRUE(caught_up) << skipped << " stored messages never consumed by the group";
  expectNoDoubleOwnership(all());
  for (auto& m : members) m->stop();

  std::sort(unavailable_ms.begin(), unavailable_ms.end());
  std::string list;
  for (auto ms : unavailable_ms) list += fmt::format("{}{}", list.empty() ? "" : " ", ms);
  std::cout << fmt::format(
      "write unavailability over {} kills (ms, sorted): {}; min {} median {} max {}\n",
      unavailable_ms.size(), list, unavailable_ms.front(),
      unavailable_ms[unavailable_ms.size() / 2], unavailable_ms.back());
}

// The datanode's replicas as "port:state" texts.
std::set<std::string> replicaStates(TestCluster& cluster) {
  std::set<std::string> states;
  for (const auto& r : datanode(cluster).replicas) {
    states.insert(fmt::format("{}:{}", r.port, r.state));
  }
  return states;
}

// What the watchdog's fence does to a stale server that answers writable
// (DatanodeWatchdog::fenceStale), done once `server` has a primary configured: ends every
// session of the datanode user there but its own. Returns how many; 0 when no primary was
// configured within 30 s.
int fenceOnceReplicating(const MariadbInstance& server) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    try {
      DbPoolOptions options;
      options.max_connections = 1;
      DbPool pool(server.target(), options);
      auto db = pool.acquire();
      while (Clock::now() < deadline) {
        if (ReplicationStore::replicaStatus(*db).is_replica) {
          return ReplicationStore::fence(*db, server.target().user);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    } catch (const std::exception&) {
      // The watchdog's own fence ended this session: connect again.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return 0;
}

// After a failover the former primary is restored from a mariadb-backup of the new one and
// made its replica with `mqctl datanode rebuild-replica`; the next kill -9 fails over to it
// and nothing acknowledged in any phase is lost.
TEST(AutoFailover, FormerPrimaryIsRebuiltFromABackupAndTakesTheNextFailover) {
  TestCluster cluster(replicatedCluster());
  cluster.createTopic("orders", 4);
  addReplica(cluster, cluster.datanodeReplica(0));
  MariadbInstance& first = cluster.datanodeMariadb(0);
  MariadbInstance& second = cluster.datanodeReplica(0);
  const std::string first_address = fmt::format("127.0.0.1:{}", first.port());
  const std::string second_address = fmt::format("127.0.0.1:{}", second.port());

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "orders", 2, stop, ledger); });
  StopAndJoin stop_load{stop, load};
  ASSERT_TRUE(ackedMore(ledger, 300, std::chrono::seconds(30))) << "produce runs";
  awaitCaughtUp(second, first);
  first.crash();
  ASSERT_TRUE(
      waitFor([&] { return datanode(cluster).port == second.port(); }, std::chrono::seconds(60)))
      << "the metaserver did not fail over to the replica";
  ASSERT_TRUE(ackedMore(ledger, 300, std::chrono::seconds(60))) << "writes resume";

  // Refusals name the problem and change nothing.
  std::string out, err;
  EXPECT_NE(cluster.mqctl({"datanode", "rebuild-replica", "dn0", second_address, "--gtid", "0-1-1"},
                          &out, &err),
            0);
  EXPECT_NE(err.find("is datanode `dn0`'s primary"), std::string::npos) << err;
  EXPECT_NE(cluster.mqctl({"datanode", "rebuild-replica", "dn0", first_address, "--gtid",
                           "0-1-1'; DROP DATABASE mq; --"},
                          &out, &err),
            0);
  EXPECT_NE(err.find("the GTID position must be domain-server-sequence"), std::string::npos) << err;
  EXPECT_EQ(cluster.mqctl({"datanode", "rebuild-replica", "dn0", first_address}, &out, &err), 2);
  EXPECT_NE(err.find("give --backup-dir DIR"), std::string::npos) << err;
  EXPECT_EQ(replicaStates(cluster), std::set<std::string>{fmt::format("{}:stale", first.port())});

  // The operator's runbook: back the new primary up, restore it over the old one's data, and
  // point the old one at the new primary from the backup's position. The restored server
  // starts writable while it is recorded stale, so the watchdog's fence may end the datanode
  // user's sessions there, the rebuild's included, at any moment: here they are all ended
  // while the rebuild waits for its replication to connect (the primary paused meanwhile),
  // and the rebuild carries on from where it was.
  const std::string backup = first.dir() + "-backup";
  first.restoreFromBackupOf(second, backup);
  second.pause();
  int ended = 0;
  std::thread fence([&] { ended = fenceOnceReplicating(first); });
  int rebuilt = -1;
  std::thread rebuild([&] {
    rebuilt = cluster.mqctl(
        {"datanode", "rebuild-replica", "dn0", first_address, "--backup-dir", backup}, &out, &err);
  });
  fence.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  second.resume();
  rebuild.join();
  ASSERT_EQ(rebuilt, 0) << out << err;
  EXPECT_GE(ended, 1) << "the fence ended the rebuild's session";
  EXPECT_NE(cluster.metaserver().logText().find(
                "lost the session to a rebuilt replica; pointing it at the primary again"),
            std::string::npos);
  EXPECT_NE(out.find(first_address + " replicates datanode `dn0`'s primary " + second_address),
            std::string::npos)
      << out;
  EXPECT_EQ(replicaStates(cluster), std::set<std::string>{fmt::format("{}:replica", first.port())});
  std::filesystem::remove_all(backup);

  // It keeps up with the new primary under load, and takes over when that one dies.
  ASSERT_TRUE(ackedMore(ledger, 300, std::chrono::seconds(30))) << "produce runs";
  awaitCaughtUp(first, second);
  second.crash();
  ASSERT_TRUE(
      waitFor([&] { return datanode(cluster).port == first.port(); }, std::chrono::seconds(60)))
      << "the metaserver did not fail over to the rebuilt replica";
  ASSERT_TRUE(ackedMore(ledger, 300, std::chrono::seconds(60))) << "writes resume";
  stop = true;
  load.join();
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "orders", 4, 0));
}

// One sample of both servers: which of them answered with read_only off.
struct WritableSample {
  int64_t at_ms = 0;
  bool old_writable = false;
  bool new_writable = false;
};

bool answersWritable(const MariadbInstance& server) {
  try {
    DbPoolOptions options;
    options.max_connections = 1;
    options.connect_timeout_s = 1;
    options.io_timeout_s = 1;
    DbPool pool(server.target(), options);
    auto db = pool.acquire();
    return !ReplicationStore::primaryHealth(*db).read_only;
  } catch (const std::exception&) {
    return false;  // paused or down: takes no writes
  }
}

TEST(AutoFailover, PausedPrimaryIsFailedOverAndFencedWhenItResumes) {
  TestCluster cluster(replicatedCluster());
  cluster.createTopic("orders", 4);
  MariadbInstance& old_primary = cluster.datanodeMariadb(0);
  MariadbInstance& replica = cluster.datanodeReplica(0);
  addReplica(cluster, replica);

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "orders", 2, stop, ledger); });
  StopAndJoin stop_load{stop, load};
  ASSERT_TRUE(ackedMore(ledger, 500, std::chrono::seconds(30))) << "produce runs";

  const auto paused_at = Clock::now();
  std::vector<WritableSample> samples;
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      WritableSample sample;
      sample.at_ms = msSince(paused_at);
      sample.old_writable = answersWritable(old_primary);
      sample.new_writable = answersWritable(replica);
      samples.push_back(sample);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  old_primary.pause();
  const size_t acked_at_pause = ledger.ackedCount();
  const bool failed_over =
      waitFor([&] { return recordedPort(cluster) == replica.port(); }, std::chrono::seconds(28));
  const int64_t failed_over_ms = msSince(paused_at);
  const bool resumed_writes =
      waitFor([&] { return ledger.ackedCount() >= acked_at_pause + 50; }, std::chrono::seconds(28));
  const int64_t writes_back_ms = msSince(paused_at);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::max<int64_t>(0, 30000 - msSince(paused_at))));
  old_primary.resume();
  const int64_t resumed_ms = msSince(paused_at);
  // Producing goes on against the new primary after the old one is back.
  EXPECT_TRUE(ackedMore(ledger, 300, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  sampling = false;
  sampler.join();
  stop = true;
  load.join();

  ASSERT_TRUE(failed_over) << "the paused primary was not failed over";
  EXPECT_TRUE(resumed_writes) << "producing did not resume while the old primary was paused";
  std::cout << fmt::format(
      "paused primary: failed over after {} ms, writes back after {} ms, resumed at {} ms\n",
      failed_over_ms, writes_back_ms, resumed_ms);
  int64_t old_writable_after_resume_ms = -1;
  int both = 0;
  for (const auto& sample : samples) {
    if (sample.old_writable && sample.new_writable) ++both;
    if (sample.at_ms > resumed_ms && sample.old_writable) {
      old_writable_after_resume_ms = sample.at_ms - resumed_ms;
    }
  }
  std::cout << fmt::format(
      "{} samples; {} with both servers answering read_only off; the old primary's last such "
      "answer {} ms after it resumed\n",
      samples.size(), both, old_writable_after_resume_ms);
  EXPECT_LE(old_writable_after_resume_ms, 2000)
      << "the resumed primary is set read_only within 2 s";
  EXPECT_FALSE(answersWritable(old_primary)) << "the old primary stays read_only";
  EXPECT_TRUE(answersWritable(replica)) << "the promoted replica is the writable primary";
  // No broker acknowledged a write on the old primary: every acknowledged message is on the
  // new one.
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "orders", 4, 0));
}

}  // namespace
}  // namespace mq::test
