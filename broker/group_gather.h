// When a datanode's next group commit waits for the callers its last group answered.
//
// Synchronous producers form a closed loop: each sends again as soon as it is answered. With
// small batches the datanode runs one group at a time (datanode_writer.h), so 16 of them settle
// into two cohorts of 8 that take turns: while one cohort's group commits, the other's
// requests queue and form the next group, and every COMMIT carries 8 messages. If the next
// group waits (briefly) until the callers just answered are back, it carries all 16: half the
// transactions for the same messages, which is most of the database's cost at this shape.
// MariaDB holds its binary-log group the same way (binlog_commit_wait_count/_usec).
//
// Paced and asynchronous producers do not come back on an answer, and many producers do not
// all come back within a commit's time: waiting for them only delays the group. So the wait
// is bounded by `window` and by the last group's own duration, and a wait that ended without
// the callers (a miss) turns gathering off for the next 1, 2, 4 ... 64 groups; a wait that
// got them resets that back-off. A group never waits for more than 16 requests: larger ones
// already spread a COMMIT's cost, and the database idling while they come back costs more
// than the COMMIT saved (docs/perf.md). With a window of 0 groups never wait.
//
// Not thread-safe: the writer calls it under its own mutex.
#pragma once

#include <chrono>
#include <cstddef>

namespace mq {

class GroupGather {
 public:
  using Clock = std::chrono::steady_clock;

  explicit GroupGather(std::chrono::microseconds window) : window_(window) {}

  // A group that took `duration` ended, with no other group of the datanode running: it
  // answered `answered` requests (all their batches stored or failed), and `queued` requests
  // wait. Until the next group starts, ready() holds it back until answered + queued requests
  // queue, at most min(window, duration) from `now`.
  void groupEnded(size_t answered, size_t queued, Clock::duration duration, Clock::time_point now);

  // Whether a group may start with `queued` requests queued at `now`.
  bool ready(size_t queued, Clock::time_point now) const {
    return target_ == 0 || queued >= target_ || now >= deadline_;
  }
  // Whether the next group waits at `now` (for callers still to come, until deadline()):
  // ready() says no to any queue shorter than they make.
  bool holds(Clock::time_point now) const { return target_ != 0 && now < deadline_; }
  Clock::time_point deadline() const { return deadline_; }

  // A group starts with `queued` requests queued: a wait that ended on its deadline counts
  // as a miss.
  void groupStarts(size_t queued);

  // How many groups from now will not wait (the back-off after misses).
  int skipping() const { return skip_; }

 private:
  static constexpr int kMaxBackoff = 64;  // groups
  // Groups of more requests already spread a COMMIT's cost: waiting for more callers costs
  // more than the COMMIT it saves (32 synchronous producers, docs/perf.md).
  static constexpr size_t kMaxTarget = 16;

  const std::chrono::microseconds window_;
  size_t target_ = 0;  // requests the next group waits for; 0: it does not wait
  Clock::time_point deadline_{};
  int backoff_ = 0;  // groups to skip after the next miss / 2
  int skip_ = 0;     // groups left that do not wait
};

}  // namespace mq
