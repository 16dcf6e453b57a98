#include "perf/run_counters.h"

#include <fmt/format.h>

#include <iostream>

namespace mq::perf {

int64_t wallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void RunCounters::addError(const std::string& what, int64_t count) {
  errors_.fetch_add(count, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  if (first_error_.empty()) first_error_ = what;
}

void RunCounters::recordLatencyUs(int64_t us) {
  static std::atomic<int> next_shard{0};
  thread_local const int shard = next_shard.fetch_add(1, std::memory_order_relaxed);
  LatencyShard& mine = shards_[static_cast<size_t>(shard % kLatencyShards)];
  std::lock_guard<std::mutex> lock(mine.mutex);
  mine.latency_us.record(us);
}

std::string RunCounters::firstError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_error_;
}

client::Histogram RunCounters::latency() const {
  client::Histogram all;
  for (const LatencyShard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    all.merge(shard.latency_us);
  }
  return all;
}

ProgressReporter::ProgressReporter(std::string mode, const RunCounters& counters, bool quiet,
                                   std::function<std::string()> extra)
    : mode_(std::move(mode)), counters_(counters), extra_(std::move(extra)) {
  if (!quiet) thread_ = std::thread([this] { run(); });
}

ProgressReporter::~ProgressReporter() { stop(); }

void ProgressReporter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressReporter::run() {
  const auto start = SteadyClock::now();
  auto next = start + std::chrono::seconds(1);
  int64_t last_messages = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_until(lock, next, [this] { return stopping_; })) {
    const int64_t messages = counters_.messages();
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(next - start).count();
    std::string line = fmt::format("[{}] {:>3}s  messages {:>9} (+{}/s)  errors {}", mode_, elapsed,
                                   messages, messages - last_messages, counters_.errors());
    if (extra_) line += "  " + extra_();
    std::cerr << line << std::endl;
    last_messages = messages;
    next += std::chrono::seconds(1);
  }
}

}  // namespace mq::perf
