#include "common/option_values.h"

#include <fmt/format.h>

#include <cctype>
#include <limits>
#include <stdexcept>

namespace mq {

std::string formatSizeOption(int64_t bytes) {
  if (bytes > 0 && bytes % (1LL << 30) == 0) return fmt::format("{}GiB", bytes >> 30);
  if (bytes > 0 && bytes % (1LL << 20) == 0) return fmt::format("{}MiB", bytes >> 20);
  if (bytes > 0 && bytes % (1LL << 10) == 0) return fmt::format("{}KiB", bytes >> 10);
  return std::to_string(bytes);
}

std::string numberRangeText(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) return fmt::format("{}..", min);
  return fmt::format("{}..{}", min, max);
}

std::string durationRangeText(int64_t min_ms, int64_t max_ms) {
  if (max_ms == std::numeric_limits<int64_t>::max()) return formatDurationMs(min_ms) + "..";
  return formatDurationMs(min_ms) + ".." + formatDurationMs(max_ms);
}

int64_t numberOptionValue(const std::string& name, const std::string& text, int64_t min,
                          int64_t max) {
  size_t start = text.size() > 1 && text[0] == '-' ? 1 : 0;
  bool digits = text.size() > start && text.size() - start <= 18;
  for (size_t i = start; digits && i < text.size(); ++i) {
    digits = text[i] >= '0' && text[i] <= '9';
  }
  if (digits) {
    const int64_t value = std::stoll(text);
    if (value >= min && value <= max) return value;
  }
  if (max == std::numeric_limits<int64_t>::max()) {
    throw std::invalid_argument(
        fmt::format("--{} must be a whole number of at least {}, got `{}`", name, min, text));
  }
  throw std::invalid_argument(
      fmt::format("--{} must be a whole number from {} to {}, got `{}`", name, min, max, text));
}

int64_t bytesOptionValue(const std::string& name, const std::string& text, int64_t min,
                         int64_t max) {
  int64_t bytes = 0;
  if (parseBytes(text, &bytes) && bytes >= min && bytes <= max) return bytes;
  throw std::invalid_argument(
      fmt::format("--{} must be a size from {} to {} (bytes, or with KiB, MiB or GiB), got `{}`",
                  name, formatSizeOption(min), formatSizeOption(max), text));
}

int64_t durationOptionValue(const std::string& name, const std::string& text, int64_t min_ms,
                            int64_t max_ms) {
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

std::string choiceOptionValue(const std::string& name, const std::string& text,
                              const std::vector<std::string>& choices) {
  for (const auto& choice : choices) {
    if (text == choice) return text;
  }
  std::string listed;
  for (size_t i = 0; i < choices.size(); ++i) {
    listed += i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ");
    listed += choices[i];
  }
  throw std::invalid_argument(fmt::format("--{} must be {}, got `{}`", name, listed, text));
}

bool parseSwitch(const std::string& name, const std::string& text) {
  if (text == "on" || text == "true" || text == "1" || text == "yes") return true;
  if (text == "off" || text == "false" || text == "0" || text == "no") return false;
  throw std::invalid_argument(fmt::format("--{} must be on or off, got `{}`", name, text));
}

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
  return durationOptionValue(name, values[name].as<std::string>(), min_ms, max_ms);
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
