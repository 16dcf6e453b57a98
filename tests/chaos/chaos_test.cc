// Chaos under steady load: producers keep sending while a consumer group of three member
// processes consumes, and one failure after another hits the cluster:
//   kill -9 a broker and restart it; SIGSTOP a broker for 3 s; crash the database with kill -9
//   and restart it (one server holding every datanode and the metadata, or, in the second
//   test, one of three datanode servers and then the metadata server); stop the metaserver
//   for 4 s; kill -9 a consumer and start a new one.
// Afterwards: every send was acknowledged or failed visibly, every acknowledged message is
// stored, the group consumed every stored message, no partition had two owners at once, and
// a message was consumed twice only across a change of owner (at-least-once: what a member
// consumed after its last commit is consumed again by the next owner), never twice by one
// owner. The servers run with MariaDB's default configuration: a consumer may read a row
// that a kill -9 then takes back (docs/operations.md, "Commit visibility"), and the
// log-divergence check must send it back to the messages written at those offsets since
// ("Messages a crash took back"). So a message is its partition, offset and value (each
// send's value is unique; a producer's retry may store it twice, at two offsets). The report
// (timeline, counts) is printed.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/log.h"
#include "tests/harness/crashed_mariadb.h"
#include "tests/harness/group_member.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

constexpr int kPartitions = 6;
constexpr const char* kTopic = "chaos";
constexpr const char* kGroup = "chaos-group";

// The producers' client logs every retry at info; the report is what matters here.
const bool kQuietLogs = [] {
  setLogLevel(LogLevel::kWarn);
  return true;
}();

class Timeline {
 public:
  Timeline() : start_(std::chrono::steady_clock::now()) {}
  void step(const std::string& what, const std::function<void()>& action) {
    const auto at = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_);
    action();
    lines_.push_back(fmt::format("  {:6.1f} s  {}", at.count(), what));
  }
  void pause(std::chrono::milliseconds how_long) { std::this_thread::sleep_for(how_long); }
  std::string str() const {
    std::string text;
    for (const auto& line : lines_) text += line + "\n";
    return text;
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<std::string> lines_;
};

// Messages of the log ((partition, offset) -> value) that no member has consumed.
int64_t unconsumed(const std::map<std::pair<int, int64_t>, std::string>& log,
                   const std::map<LogEntry, int>& consumed) {
  int64_t missing = 0;
  for (const auto& [position, value] : log) {
    missing += !consumed.count({position.first, position.second, value});
  }
  return missing;
}

// A message consumed more than once by one member within one ownership interval.
int repeatsWithinOneOwnership(const std::vector<const Member*>& members) {
  int repeats = 0;
  for (const Member* member : members) {
    // A consumer that finds the log diverged goes back to the diverging offset and reads
    // what is there now again: that is the documented redelivery (docs/operations.md,
    // "Messages a crash took back"), not a repeat; once, in CI, 28 of them.
    auto events = member->events();
    auto divergences = member->divergences();
    events.insert(events.end(), divergences.begin(), divergences.end());
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.us < b.us; });
    std::map<LogEntry, int> seen;  // within the current assignment
    for (const auto& e : events) {
      if (e.kind == "diverged") {
        const int partition = std::stoi(e.fields.at(1));
        const int64_t from = std::stoll(e.fields.at(2));
        for (auto it = seen.begin(); it != seen.end();) {
          const bool taken_back =
              std::get<0>(it->first) == partition && std::get<1>(it->first) >= from;
          it = taken_back ? seen.erase(it) : std::next(it);
        }
      }
      if (e.kind == "revoked" || e.kind == "lost") {
        const int partition = std::stoi(e.fields.at(1));
        for (auto it = seen.begin(); it != seen.end();) {
          it = std::get<0>(it->first) == partition ? seen.erase(it) : std::next(it);
        }
      }
      if (e.kind == "consumed") {
        auto& count = seen[{std::stoi(e.fields.at(1)), std::stoll(e.fields.at(2)), e.fields.at(3)}];
        if (++count == 2) {
          ++repeats;
          std::cout << member->name() << " consumed partition " << e.fields.at(1) << " offset "
                    << e.fields.at(2) << " twice without losing it in between\n";
        }
      }
    }
  }
  return repeats;
}

// The failures of the database in a run: they act on the cluster and write the timeline.
using DatabaseFailures = std::function<void(TestCluster&, const rpc::TopicInfo&, Timeline&)>;

void runChaos(const ClusterOptions& options, const DatabaseFailures& database_failures) {
  TestCluster cluster(options);
  const rpc::TopicInfo topic = cluster.createTopic(kTopic, kPartitions);

  ProduceLedger ledger;
  std::atomic<bool> stop_producing{false};
  // Joined on every way out, an ASSERT's early return included: a joinable std::thread
  // destroyed calls std::terminate, and the failure's message is lost with the buffered
  // output (seen once under ASan).
  std::vector<std::thread> producers;
  StopOnExit join_producers{stop_producing, producers};
  producers.emplace_back([&] { produceUntil(cluster, kTopic, 2, stop_producing, ledger); });
  std::vector<std::unique_ptr<Member>> members;
  for (const char* name : {"member-a", "member-b", "member-c"}) {
    members.push_back(std::make_unique<Member>(name, cluster, kGroup, kTopic));
  }
  auto all = [&] {
    std::vector<const Member*> list;
    for (const auto& m : members) list.push_back(m.get());
    return list;
  };
  ASSERT_TRUE(waitFor(
      [&] {
        size_t owned = 0;
        for (const auto& m : members) owned += m->owned().size();
        return owned == kPartitions;
      },
      std::chrono::seconds(60)))
      << "the group never owned every partition";

  using std::chrono::milliseconds;
  Timeline chaos;
  chaos.pause(milliseconds(2000));
  chaos.step("kill -9 broker 1", [&] { cluster.broker(1).signal(SIGKILL); });
  chaos.pause(milliseconds(3000));
  chaos.step("restart broker 1", [&] { cluster.restartBroker(1); });
  chaos.pause(milliseconds(2000));
  chaos.step("SIGSTOP broker 2", [&] { cluster.broker(2).signal(SIGSTOP); });
  chaos.pause(milliseconds(3000));
  chaos.step("SIGCONT broker 2", [&] { cluster.broker(2).signal(SIGCONT); });
  chaos.pause(milliseconds(2000));
  database_failures(cluster, topic, chaos);
  size_t acked_before = 0, acked_after = 0, consumed_before = 0, consumed_after = 0;
  chaos.step("stop the metaserver", [&] {
    cluster.stopMetaserver();
    std::lock_guard<std::mutex> lock(ledger.mutex);
    acked_before = ledger.acked.size();
    consumed_before = consumedCounts(all()).size();
  });
  chaos.pause(milliseconds(4000));
  {
    std::lock_guard<std::mutex> lock(ledger.mutex);
    acked_after = ledger.acked.size();
    consumed_after = consumedCounts(all()).size();
  }
  chaos.step("start the metaserver", [&] { cluster.startMetaserver(); });
  chaos.pause(milliseconds(1000));
  chaos.step("kill -9 member-a", [&] { members[0]->kill9(); });
  chaos.step("start member-d", [&] {
    members.push_back(std::make_unique<Member>("member-d", cluster, kGroup, kTopic));
  });
  chaos.pause(milliseconds(4000));
  chaos.step("stop producing", [&] {
    stop_producing = true;
    producers.front().join();
  });

  // The group catches up with everything stored.
  const auto log = readLog(cluster, kTopic, kPartitions, 0);
  const int64_t stored = static_cast<int64_t>(log.size());
  const bool caught_up = waitFor([&] { return unconsumed(log, consumedMessages(all())) == 0; },
                                 std::chrono::seconds(90));
  for (auto& m : members) {
    if (m->running()) m->stop();
  }
  const auto consumed = consumedMessages(all());

  int group_duplicates = 0;
  for (const auto& [message, count] : consumed) group_duplicates += count - 1;
  std::cout << "chaos timeline:\n"
            << chaos.str()
            << fmt::format(
                   "stored {}, consumed by the group {} distinct messages, "
                   "{} consumed again after a change of owner\n",
                   stored, consumed.size(), group_duplicates);
  for (const auto& m : members) {
    int count = 0;
    for (const auto& e : m->events()) count += e.kind == "consumed";
    std::cout << "  " << m->name() << " consumed " << count << "\n";
  }

  EXPECT_TRUE(caught_up) << unconsumed(log, consumed) << " stored messages never consumed";
  EXPECT_GT(acked_after, acked_before) << "producing went on while the metaserver was down";
  EXPECT_GT(consumed_after, consumed_before) << "consuming went on while the metaserver was down";
  std::map<std::string, int> stored_values;
  for (const auto& [position, value] : log) ++stored_values[value];
  expectNothingAcknowledgedLost(ledger, stored_values);
  expectNoDoubleOwnership(all());
  EXPECT_EQ(repeatsWithinOneOwnership(all()), 0);
}

TEST(Chaos, EveryFailureAtOnceLosesNothingAcknowledgedAndKeepsOneOwnerPerPartition) {
  ClusterOptions options;
  options.brokers = 3;
  options.private_mariadb = true;
  MQ_RESTART_CRASHED_MARIADB(
      runChaos(options, [](TestCluster& cluster, const rpc::TopicInfo&, Timeline& chaos) {
        chaos.step("kill -9 the database (datanode and metadata)", [&] { cluster.crashMariadb(); });
        chaos.pause(std::chrono::milliseconds(2000));
        chaos.step("restart the database", [&] { cluster.startMariadb(); });
        chaos.pause(std::chrono::milliseconds(3000));
      }));
}

// The same mix with three datanodes on MariaDB servers of their own: one datanode's server
// dies (its partitions stop, the others go on) and later the metadata server.
TEST(Chaos, EveryFailureAtOnceOverThreeDatanodeServersLosesNothingAcknowledged) {
  ClusterOptions options;
  options.brokers = 3;
  options.datanodes = 3;
  options.private_mariadb = true;
  options.mariadb_per_datanode = true;
  // Either restart may meet MariaDB's own failed crash recovery: runChaos's guards stop
  // everything it started on the way out.
  MQ_RESTART_CRASHED_MARIADB(
      runChaos(options, [](TestCluster& cluster, const rpc::TopicInfo& topic, Timeline& chaos) {
        std::set<int> datanodes;
        for (const auto& partition : topic.partitions) datanodes.insert(partition.datanode_id);
        EXPECT_EQ(datanodes.size(), 3u) << "the partitions are spread over every datanode";
        chaos.step("kill -9 datanode 1's server", [&] { cluster.datanodeMariadb(1).crash(); });
        chaos.pause(std::chrono::milliseconds(2000));
        chaos.step("restart datanode 1's server", [&] { cluster.datanodeMariadb(1).start(); });
        chaos.pause(std::chrono::milliseconds(2000));
        chaos.step("kill -9 the metadata database", [&] { cluster.crashMariadb(); });
        chaos.pause(std::chrono::milliseconds(2000));
        chaos.step("restart the metadata database", [&] { cluster.startMariadb(); });
        chaos.pause(std::chrono::milliseconds(3000));
      }));
}

}  // namespace
}  // namespace mq::test
