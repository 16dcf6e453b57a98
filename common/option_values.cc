#include "common/option_values.h"

#include <fmt/format.h>

#include <cctype>
#include <limits>
#include <stdexcept>

namespace mq {

std::string formatDurationMs(int64_t ms) {
  constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;
  if (ms > 0 && ms % kDay == 0) return fmt::format("{}d", ms / kDay);
  if (ms > 0 && ms % kHour == 0) return fmt::format("{}h", ms / kHour);
  if (ms > 0 && ms % kMinute == 0) return fmt::format("{}m", ms / kMinute);
  if (ms > 0 && ms % kSecond == 0) return fmt::format("{}s", ms / kSecond);
  return fmt::format("{}ms", ms);
}

int64_t durationOptionMs(const po::variables_map& values, const std::string& name, int64_t fallback,
                         int64_t min_ms, int64_t max_ms) {
  if (!values.count(name)) return fallback;
  const auto& text = values[name].as<std::string>();
  int64_t ms = 0;
  if (parseDurationMs(text, &ms) && ms >= min_ms && ms <= max_ms) return ms;
  if (max_ms == std::numeric_limits<int64_t>::max()) {
    throw std::invalid_argument(
        min_ms == 1 ? fmt::format("--{} must be a positive duration such as 500ms or 2s, got `{}`",
                                  name, text)
                    : fmt::format("--{} must be a duration of at least {}, got `{}`", name,
                                  formatDurationMs(min_ms), text));
  }
  throw std::invalid_argument(fmt::format("--{} must be a duration from {} to {}, got `{}`", name,
                                          formatDurationMs(min_ms), formatDurationMs(max_ms),
                                          text));
}

int64_t durationOptionMs(const po::variables_map& values, const std::string& name,
                         int64_t fallback) {
  return durationOptionMs(values, name, fallback, 1, std::numeric_limits<int64_t>::max());
}

std::vector<std::string> listOptionValue(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    size_t first = start, last = comma;
    while (first < last && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
    while (last > first && std::isspace(static_cast<unsigned char>(text[last - 1]))) --last;
    if (last > first) items.push_back(text.substr(first, last - first));
    start = comma + 1;
  }
  return items;
}

void checkOptionRange(const std::string& name, int64_t value, int64_t low, int64_t high) {
  if (value < low || value > high) {
    throw std::invalid_argument(
        fmt::format("--{} must be between {} and {} (got {})", name, low, high, value));
  }
}

}  // namespace mq
