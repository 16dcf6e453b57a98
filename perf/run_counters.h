// What the worker threads of one mq-perf run share: exact message and error counters, a
// latency histogram any thread may record into, and the once-a-second progress line on
// stderr.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "client/histogram.h"
#include "common/clock.h"

namespace mq::perf {

// Microseconds between two steady-clock points.
inline int64_t microsBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

// Microseconds since the Unix epoch: the e2e send stamp (one host, one clock).
int64_t wallMicros();

// Thread-safe counters of one run. Every message ends in exactly one of `messages` (done)
// or `errors` (failed); errors keep the first failure's text for the report.
class RunCounters {
 public:
  void addMessages(int64_t messages, int64_t bytes) {
    messages_.fetch_add(messages, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void addError(const std::string& what, int64_t count = 1);
  // Any thread; threads record into different shards, so the benchmark's own bookkeeping
  // does not make the client threads it measures queue on one lock.
  void recordLatencyUs(int64_t us);

  int64_t messages() const { return messages_.load(std::memory_order_relaxed); }
  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  int64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  std::string firstError() const;
  client::Histogram latency() const;

 private:
  std::atomic<int64_t> messages_{0};
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> errors_{0};
  mutable std::mutex mutex_;
  std::string first_error_;

  struct alignas(64) LatencyShard {
    mutable std::mutex mutex;
    client::Histogram latency_us;
  };
  static constexpr int kLatencyShards = 8;
  std::array<LatencyShard, kLatencyShards> shards_;
};

// Prints "[mode] 3s  messages 301234 (+100411/s)  errors 0  <extra>" to stderr once a
// second while it lives (nothing when quiet). `extra` may add a few words to each line.
class ProgressReporter {
 public:
  ProgressReporter(std::string mode, const RunCounters& counters, bool quiet,
                   std::function<std::string()> extra = {});
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void stop();

 private:
  void run();

  const std::string mode_;
  const RunCounters& counters_;
  const std::function<std::string()> extra_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq::perf
