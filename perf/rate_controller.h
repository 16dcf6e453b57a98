// The OpenMessaging Benchmark's rate controller (RateController in openmessaging/benchmark),
// which finds the maximum sustainable publish rate of a workload with producerRate 0.
//
// Every control period (3 s) it is given the totals published (acknowledged) and received
// (per subscription) so far and returns the next target rate:
// - if more than 1,000 published messages are still unreceived, or more than 1,000 fewer
//   were published in the period than the rate asked for, it backs off: to 0.8 x (what the
//   period should have published, minus that backlog) + 0.2 x (what it actually did), per
//   second, and halves the ramping factor (not below 0.01);
// - otherwise it raises the rate by the ramping factor (rate x (1 + factor)) and doubles the
//   factor (at most 1).
// Pure arithmetic, not thread-safe.
#pragma once

#include <cstdint>

namespace mq::perf {

class RateController {
 public:
  static constexpr double kInitialRate = 10000;          // msg/s, OMB's starting point
  static constexpr int64_t kPublishBacklogLimit = 1000;  // messages
  static constexpr int64_t kReceiveBacklogLimit = 1000;  // messages
  static constexpr double kMinRampingFactor = 0.01;
  static constexpr double kMaxRampingFactor = 1.0;

  // The next target rate (msg/s) after a period of `period_seconds` at `rate`, given the
  // totals since the start: `total_published` acknowledged and `total_received` (divided by
  // the number of subscriptions, so it is comparable with total_published).
  double nextRate(double rate, double period_seconds, int64_t total_published,
                  int64_t total_received);

  double rampingFactor() const { return ramping_factor_; }

 private:
  double backOff(double period_seconds, int64_t actual, int64_t expected, int64_t backlog);

  double ramping_factor_ = kMaxRampingFactor;
  int64_t previous_published_ = 0;
  int64_t previous_received_ = 0;
};

}  // namespace mq::perf
