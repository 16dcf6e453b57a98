// Checks that a consumer receives each partition's offsets exactly once and in order: the
// first offset seen in a partition is taken as its start; after that every offset must be
// the previous one + 1. Not thread-safe: one tracker per consumer thread.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace mq::perf {

class OffsetTracker {
 public:
  void observe(int partition, int64_t offset) {
    auto [it, first] = next_.try_emplace(partition, offset + 1);
    if (first) return;
    int64_t& next = it->second;
    if (offset < next) {
      ++duplicates_;
      return;
    }
    gaps_ += offset - next;  // offsets skipped
    next = offset + 1;
  }

  int64_t gaps() const { return gaps_; }
  int64_t duplicates() const { return duplicates_; }

 private:
  std::unordered_map<int, int64_t> next_;  // partition -> offset expected next
  int64_t gaps_ = 0;
  int64_t duplicates_ = 0;
};

}  // namespace mq::perf
