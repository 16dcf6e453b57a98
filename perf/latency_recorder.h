// A latency histogram shared by threads and read in windows: every sample goes into the
// current window (read and reset by takeWindow(), e.g. every 10 s for a report line) and
// into the cumulative histogram (read by cumulative(), reset by resetCumulative(), e.g.
// after a warm-up). Thread-safe; one short mutex-protected record per sample.
#pragma once

#include <cstdint>
#include <mutex>

#include "client/histogram.h"

namespace mq::perf {

class LatencyRecorder {
 public:
  void record(int64_t value) {
    std::lock_guard<std::mutex> lock(mutex_);
    window_.record(value);
    cumulative_.record(value);
  }
  // The samples since the previous takeWindow(); starts a new window.
  client::Histogram takeWindow() {
    std::lock_guard<std::mutex> lock(mutex_);
    client::Histogram taken = window_;
    window_.reset();
    return taken;
  }
  client::Histogram cumulative() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cumulative_;
  }
  void resetCumulative() {
    std::lock_guard<std::mutex> lock(mutex_);
    cumulative_.reset();
  }

 private:
  mutable std::mutex mutex_;
  client::Histogram window_;
  client::Histogram cumulative_;
};

}  // namespace mq::perf
