// Consumer-group members as separate processes (tests/tools/group_consumer) and what their
// event logs prove: who owned which partition when, and what each consumed. Shared by the
// consumer-group, chaos and other integration tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/harness/child_process.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {

// Session and heartbeat of the members: short, so that tests see failures quickly.
constexpr int kMemberSessionMs = 2000;
constexpr int kMemberHeartbeatMs = 300;

int64_t nowMicros();

// Waits for `condition` up to `timeout`, checking every 50 ms.
template <typename Condition>
bool waitFor(Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// "a,b,c".
std::string joined(const std::vector<std::string>& parts);

// One line of a member's event log.
struct Event {
  int64_t us = 0;
  std::string kind;
  std::vector<std::string> fields;
};

// The complete lines of an event log (a killed process may leave a partial last line).
std::vector<Event> readEvents(const std::string& path);

// A group member process.
class Member {
 public:
  Member(std::string name, const TestCluster& cluster, const std::string& group,
         const std::string& topic, std::vector<std::string> extra = {});

  const std::string& name() const { return name_; }
  std::vector<Event> events() const { return readEvents(log_); }
  // The times its consumer found a partition's log diverged from what it had read (a
  // database crash took back messages read before they were durable) and went back: events
  // "diverged" with fields topic, partition, diverging offset, read from the process's log
  // (its time has the log's millisecond precision, rounded down).
  std::vector<Event> divergences() const;
  // The partitions it owns now (assigned and not yet revoked or lost).
  std::set<int> owned() const;

  void kill9();
  // SIGTERM: the member closes (commits, revokes, leaves unless static) and exits.
  int stop() { return process_.stop(15000); }
  void pause() { process_.signal(SIGSTOP); }
  void resume() { process_.signal(SIGCONT); }
  bool running() { return process_.running(); }
  std::optional<int64_t> killedAt() const { return killed_us_; }

 private:
  std::string name_;
  std::string log_;
  std::string process_log_;
  ChildProcess process_;
  std::optional<int64_t> killed_us_;
};

struct Interval {
  std::string member;
  int64_t from = 0;
  int64_t to = 0;
};

// Ownership intervals per partition: from onPartitionsAssigned to onPartitionsRevoked, to
// the last message consumed before onPartitionsLost, to the kill for a killed member, or to
// now for a live one.
std::map<int, std::vector<Interval>> ownership(const std::vector<const Member*>& members);

// Fails the test when two members' ownership intervals of one partition overlap.
void expectNoDoubleOwnership(const std::vector<const Member*>& members);

// Consumed (partition, offset) -> how many times, over all members.
std::map<std::pair<int, int64_t>, int> consumedCounts(const std::vector<const Member*>& members);
// One message of the log: partition, offset and value. The value tells a message apart from
// the one a database crash took back from the same offset; the offset tells apart the two
// copies of a producer's retry.
using LogEntry = std::tuple<int, int64_t, std::string>;
// Consumed messages -> how many times, over all members.
std::map<LogEntry, int> consumedMessages(const std::vector<const Member*>& members);

}  // namespace mq::test
