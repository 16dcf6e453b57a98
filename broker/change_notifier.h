// Wakes requests that wait for something this broker changed: long-polling fetches wait
// for appends to their partitions' tables, group members for group state changes. Changes
// made through other brokers are not seen here; waiters also re-read the database on a
// short backoff for those.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace mq {

class ChangeNotifier {
 public:
  // The current sequence; pass it to waitFor to wait for changes after this moment.
  uint64_t sequence() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sequence_;
  }
  // A change every waiter wakes for (shutdown, group state, delayed messages moved).
  void notify() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      broadcast_ = ++sequence_;
    }
    cv_.notify_all();
  }
  // An append committed to `table`: wakes waitFor and the waitForTables that watch it
  // (or another table of the same slot: a spurious wake-up costs a re-read, nothing else).
  void notify(const std::string& table) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      slots_[slotOf(table)] = ++sequence_;
    }
    cv_.notify_all();
  }
  // Waits until any change after `seen` or the timeout; returns the new sequence.
  uint64_t waitFor(uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return sequence_ != seen; });
    return sequence_;
  }

  struct Wake {
    uint64_t sequence;  // pass it to the next wait
    bool changed;       // false: the timeout passed with no change to the tables
  };
  // Waits until an append to one of `tables` (or a notify() for all) after `seen`, or the
  // timeout. Appends to other tables do not wake it: a fetch re-reads its partitions only
  // when one of them may have new rows.
  Wake waitForTables(uint64_t seen, const std::vector<std::string>& tables,
                     std::chrono::milliseconds timeout) {
    std::vector<size_t> watched;
    watched.reserve(tables.size());
    for (const auto& table : tables) watched.push_back(slotOf(table));
    std::unique_lock<std::mutex> lock(mutex_);
    const bool changed = cv_.wait_for(lock, timeout, [&] {
      if (broadcast_ > seen) return true;
      for (size_t slot : watched) {
        if (slots_[slot] > seen) return true;
      }
      return false;
    });
    return Wake{sequence_, changed};
  }

 private:
  // Tables share a fixed number of slots (by hash), so that tables dropped over the
  // broker's life leave nothing behind.
  static constexpr size_t kSlots = 4096;
  static size_t slotOf(const std::string& table) {
    return std::hash<std::string>{}(table) % kSlots;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t sequence_ = 0;
  uint64_t broadcast_ = 0;                // sequence of the last notify()
  std::array<uint64_t, kSlots> slots_{};  // sequence of each slot's last append
};

}  // namespace mq
