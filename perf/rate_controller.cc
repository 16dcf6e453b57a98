#include "perf/rate_controller.h"

#include <algorithm>

namespace mq::perf {

double RateController::nextRate(double rate, double period_seconds, int64_t total_published,
                                int64_t total_received) {
  const auto expected = static_cast<int64_t>(rate * period_seconds);
  const int64_t published = total_published - previous_published_;
  const int64_t received = total_received - previous_received_;
  previous_published_ = total_published;
  previous_received_ = total_received;

  const int64_t receive_backlog = total_published - total_received;
  if (receive_backlog > kReceiveBacklogLimit) {
    return backOff(period_seconds, received, expected, receive_backlog);
  }
  const int64_t publish_backlog = expected - published;
  if (publish_backlog > kPublishBacklogLimit) {
    return backOff(period_seconds, published, expected, publish_backlog);
  }
  ramping_factor_ = std::min(kMaxRampingFactor, ramping_factor_ * 2);
  return rate * (1 + ramping_factor_);
}

double RateController::backOff(double period_seconds, int64_t actual, int64_t expected,
                               int64_t backlog) {
  ramping_factor_ = std::max(kMinRampingFactor, ramping_factor_ / 2);
  const int64_t next_expected = std::max<int64_t>(0, expected - backlog);
  const double next_expected_rate = static_cast<double>(next_expected) / period_seconds;
  const double actual_rate = static_cast<double>(actual) / period_seconds;
  return 0.2 * actual_rate + 0.8 * next_expected_rate;
}

}  // namespace mq::perf
