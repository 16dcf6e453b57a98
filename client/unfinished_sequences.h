// Which of the producer's accepted messages have not finished (been acknowledged or failed
// for good): flush() waits until none up to its target is left.
//
// Sequences are handed out consecutively from 1 and finish in any order (partitions are
// acknowledged independently). Kept as a window that starts at the oldest unfinished
// sequence, one flag per sequence: adding and finishing cost no allocation per message (a
// std::set, a tree node per message, showed in a producer's profile at full rate).
//
// Pure logic; not thread-safe (the accumulator's lock guards it).
#pragma once

#include <cstdint>
#include <deque>

namespace mq::client {

class UnfinishedSequences {
 public:
  // Records `sequence` as unfinished. REQUIRES: sequence == the previous add's + 1, the
  // first one 1.
  void add(uint64_t sequence) {
    if (flags_.empty()) oldest_ = sequence;
    flags_.push_back(false);
  }

  // Marks `sequence` finished; one that is unknown or finished already is ignored.
  void finish(uint64_t sequence) {
    if (sequence < oldest_ || sequence - oldest_ >= flags_.size()) return;
    flags_[sequence - oldest_] = true;
    while (!flags_.empty() && flags_.front()) {
      flags_.pop_front();
      ++oldest_;
    }
  }

  // True when every sequence added so far up to and including `target` has finished.
  bool finishedThrough(uint64_t target) const { return flags_.empty() || oldest_ > target; }

 private:
  std::deque<bool> flags_;  // flags_[i]: whether sequence oldest_ + i has finished
  uint64_t oldest_ = 1;     // the oldest unfinished sequence while flags_ is not empty
};

}  // namespace mq::client
