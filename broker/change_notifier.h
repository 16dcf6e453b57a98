// Wakes requests that wait for something this broker changed: long-polling fetches wait
// for appends, group members for group state changes. Changes made through other brokers
// are not seen here; waiters also re-read the database on a short backoff for those.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace mq {

class ChangeNotifier {
 public:
  // The current sequence; pass it to waitFor to wait for appends after this moment.
  uint64_t sequence() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sequence_;
  }
  // Called after every committed change.
  void notify() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++sequence_;
    }
    cv_.notify_all();
  }
  // Waits until a change after `seen` or the timeout; returns the new sequence.
  uint64_t waitFor(uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return sequence_ != seen; });
    return sequence_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t sequence_ = 0;
};

}  // namespace mq
