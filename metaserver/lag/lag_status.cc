#include "metaserver/lag/lag_status.h"

#include <fmt/format.h>

#include <algorithm>

namespace mq {

std::string humanDuration(int64_t ms) {
  if (ms < 1000) return fmt::format("{} ms", std::max<int64_t>(0, ms));
  const int64_t s = ms / 1000;
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600)
    return s % 60 ? fmt::format("{} min {} s", s / 60, s % 60) : fmt::format("{} min", s / 60);
  const int64_t m = s / 60;
  if (m < 48 * 60)
    return m % 60 ? fmt::format("{} h {} min", m / 60, m % 60) : fmt::format("{} h", m / 60);
  const int64_t h = m / 60;
  return h % 24 ? fmt::format("{} d {} h", h / 24, h % 24) : fmt::format("{} d", h / 24);
}

const char* lagStatusName(LagStatus status) {
  switch (status) {
    case LagStatus::kOk:
      return "OK";
    case LagStatus::kWarn:
      return "WARN";
    case LagStatus::kErr:
      return "ERR";
    case LagStatus::kStop:
      return "STOP";
    case LagStatus::kStall:
      return "STALL";
    case LagStatus::kRewind:
      return "REWIND";
  }
  return "ERR";
}

bool CommitWindow::observe(const CommitSample& sample) {
  if (!samples_.empty() && samples_.back().offset == sample.offset &&
      samples_.back().committed_ms == sample.committed_ms) {
    return false;
  }
  samples_.push_back(sample);
  while (samples_.size() > capacity_) samples_.pop_front();
  return true;
}

int64_t CommitWindow::spanMs() const {
  if (samples_.size() < 2) return 0;
  return samples_.back().committed_ms - samples_.front().committed_ms;
}

double CommitWindow::consumeRate() const {
  const int64_t span = spanMs();
  if (span <= 0) return 0;
  const int64_t consumed = samples_.back().offset - samples_.front().offset;
  if (consumed <= 0) return 0;
  return static_cast<double>(consumed) * 1000.0 / static_cast<double>(span);
}

double currentConsumeRate(const CommitWindow& window, int64_t now_ms, const StatusRules& rules) {
  if (window.empty()) return 0;
  const int64_t idle = now_ms - window.samples().back().committed_ms;
  if (idle > std::max(window.spanMs(), rules.min_stop_idle_ms)) return 0;
  return window.consumeRate();
}

StatusVerdict evaluatePartitionStatus(const CommitWindow& window, int64_t current_lag,
                                      int64_t now_ms, const StatusRules& rules) {
  if (window.empty()) return {LagStatus::kOk, "no committed offset yet"};
  if (current_lag <= 0) return {LagStatus::kOk, "caught up (lag 0)"};
  const auto& samples = window.samples();
  const CommitSample& last = samples.back();

  const int64_t idle = now_ms - last.committed_ms;
  const int64_t allowed_idle = std::max(window.spanMs(), rules.min_stop_idle_ms);
  if (idle > allowed_idle) {
    return {LagStatus::kStop,
            fmt::format("no commit for {} (allowed {}) with lag {}", humanDuration(idle),
                        humanDuration(allowed_idle), current_lag)};
  }

  const bool lag_never_zero =
      std::all_of(samples.begin(), samples.end(), [](const CommitSample& s) { return s.lag > 0; });
  if (lag_never_zero) {
    for (size_t i = 1; i < samples.size(); ++i) {
      if (samples[i].offset < samples[i - 1].offset) {
        return {LagStatus::kRewind, fmt::format("committed offset went back from {} to {}",
                                                samples[i - 1].offset, samples[i].offset)};
      }
    }
    if (window.full()) {
      const bool same_offset =
          std::all_of(samples.begin(), samples.end(),
                      [&](const CommitSample& s) { return s.offset == last.offset; });
      if (same_offset) {
        return {LagStatus::kStall, fmt::format("offset {} committed {} times in a row with lag {}",
                                               last.offset, samples.size(), current_lag)};
      }
      bool never_decreased = true;
      for (size_t i = 1; i < samples.size(); ++i) {
        if (samples[i].lag < samples[i - 1].lag) never_decreased = false;
      }
      if (never_decreased) {
        return {LagStatus::kWarn, fmt::format("lag grew from {} to {} over the last {} commits",
                                              samples.front().lag, last.lag, samples.size())};
      }
    }
  }
  return {LagStatus::kOk, fmt::format("consuming (lag {})", current_lag)};
}

int lagStatusSeverity(LagStatus status) {
  switch (status) {
    case LagStatus::kOk:
      return 0;
    case LagStatus::kWarn:
      return 1;
    default:
      return 2;
  }
}

LagStatus groupStatus(const std::vector<LagStatus>& statuses) {
  int worst = 0;
  for (LagStatus status : statuses) worst = std::max(worst, lagStatusSeverity(status));
  return worst == 0 ? LagStatus::kOk : worst == 1 ? LagStatus::kWarn : LagStatus::kErr;
}

}  // namespace mq
