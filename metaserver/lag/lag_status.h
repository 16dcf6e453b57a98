// Consumer lag status of one partition over a sliding window of its last commits, after
// Burrow's rules, and a group's status as its worst partition's. Pure logic, no I/O.
//
// A partition's status, checked in this order (current lag = log end - committed offset):
//   OK      no commit yet, or the current lag is 0;
//   STOP    no commit for longer than the window's span (first to last commit), and at least
//           StatusRules::min_stop_idle_ms (a window of one commit has a span of 0);
//   then, only when the lag was above 0 at every commit in the window:
//   REWIND  a commit in the window is below the one before it;
//   STALL   the window is full and every commit in it has the same offset;
//   WARN    the window is full and the lag never decreased from one commit to the next;
//   OK      otherwise.
// Group status: the worst partition's, with STOP, STALL and REWIND counted as ERR, so a group
// is OK, WARN or ERR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace mq {

// Numeric codes as Burrow's (exported as mq_consumer_group_status and
// mq_consumer_group_partition_status).
enum class LagStatus { kOk = 1, kWarn = 2, kErr = 3, kStop = 4, kStall = 5, kRewind = 6 };

// `ms` for people, to the second from 1 s on: "850 ms", "42 s", "3 min 32 s", "2 h 5 min",
// "3 d 4 h" (the reasons' durations, issue 25's human units).
std::string humanDuration(int64_t ms);

// "OK", "WARN", "ERR", "STOP", "STALL", "REWIND".
const char* lagStatusName(LagStatus status);

// One commit as the collector saw it: the committed offset, when it was committed, and the
// lag at that moment (log end then - offset).
struct CommitSample {
  int64_t offset = 0;
  int64_t committed_ms = 0;
  int64_t lag = 0;
};

// The last `capacity` commits of one (group, topic, partition), oldest first.
class CommitWindow {
 public:
  explicit CommitWindow(size_t capacity = 10) : capacity_(capacity < 2 ? 2 : capacity) {}

  // Adds the commit unless it is the one seen last (same offset and commit time): the
  // collector sees the latest commit every cycle. Returns true when it was added.
  bool observe(const CommitSample& sample);

  const std::deque<CommitSample>& samples() const { return samples_; }
  bool empty() const { return samples_.empty(); }
  bool full() const { return samples_.size() == capacity_; }
  size_t capacity() const { return capacity_; }
  // Last commit time minus first; 0 with fewer than two commits.
  int64_t spanMs() const;
  // Messages consumed per second across the window; 0 with fewer than two commits or when
  // the offset went down.
  double consumeRate() const;

 private:
  size_t capacity_;
  std::deque<CommitSample> samples_;
};

struct StatusRules {
  // The least time without a commit, with lag, before a partition is STOP.
  int64_t min_stop_idle_ms = 60000;
};

// The partition's consume rate now: the window's rate (CommitWindow::consumeRate) while
// commits keep coming, 0 once none came for longer than a STOP allows (the window's span, at
// least rules.min_stop_idle_ms): a stopped consumer consumes nothing, whatever its last
// commits measured.
double currentConsumeRate(const CommitWindow& window, int64_t now_ms, const StatusRules& rules);

struct StatusVerdict {
  LagStatus status = LagStatus::kOk;
  std::string reason;  // a sentence naming the numbers that decided it
};

StatusVerdict evaluatePartitionStatus(const CommitWindow& window, int64_t current_lag,
                                      int64_t now_ms, const StatusRules& rules);

// The worst of `statuses` (OK when empty), STOP/STALL/REWIND counted as ERR.
LagStatus groupStatus(const std::vector<LagStatus>& statuses);

// How bad a status is for a group: OK 0, WARN 1, ERR (and STOP, STALL, REWIND) 2.
int lagStatusSeverity(LagStatus status);

}  // namespace mq
