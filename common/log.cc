#include "common/log.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "common/json_writer.h"

namespace mq {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mutex;
std::string g_component = "mq";  // guarded by g_mutex

constexpr LogLevel kAllLevels[] = {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                                   LogLevel::kError};

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string isoTimestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms.count()));
}

}  // namespace

std::vector<std::string> logLevelNames() {
  std::vector<std::string> names;
  for (LogLevel level : kAllLevels) names.emplace_back(levelName(level));
  return names;
}

void startLogging(std::string component, std::string_view level) {
  LogLevel parsed;
  if (!parseLogLevel(level, &parsed)) {
    throw std::invalid_argument(
        fmt::format("log level `{}` is not one of {}", level, fmt::join(logLevelNames(), ", ")));
  }
  setLogComponent(std::move(component));
  setLogLevel(parsed);
}

void setLogComponent(std::string component) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_component = std::move(component);
}

void setLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool parseLogLevel(std::string_view text, LogLevel* level) {
  for (LogLevel candidate : kAllLevels) {
    if (text == levelName(candidate)) {
      *level = candidate;
      return true;
    }
  }
  return false;
}

LogLine::LogLine(LogLevel level, std::string_view message)
    : enabled_(static_cast<int>(level) >= g_level.load()) {
  if (!enabled_) return;
  buffer_.reserve(256);
  buffer_ += "{\"ts\":\"";
  buffer_ += isoTimestamp();
  buffer_ += "\",\"level\":\"";
  buffer_ += levelName(level);
  buffer_ += "\",\"component\":";
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    appendJsonString(buffer_, g_component, JsonEscaping::kPlain);
  }
  buffer_ += ",\"msg\":";
  appendJsonString(buffer_, message, JsonEscaping::kPlain);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  buffer_ += "}\n";
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(buffer_.data(), 1, buffer_.size(), stderr);
  std::fflush(stderr);
}

LogLine& LogLine::kv(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  appendJsonString(buffer_, key, JsonEscaping::kPlain);
  buffer_.push_back(':');
  appendJsonString(buffer_, value, JsonEscaping::kPlain);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, int64_t value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  appendJsonString(buffer_, key, JsonEscaping::kPlain);
  buffer_ += fmt::format(":{}", value);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  appendJsonString(buffer_, key, JsonEscaping::kPlain);
  buffer_ += fmt::format(":{}", value);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, double value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  appendJsonString(buffer_, key, JsonEscaping::kPlain);
  buffer_ += fmt::format(":{}", value);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, bool value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  appendJsonString(buffer_, key, JsonEscaping::kPlain);
  buffer_ += value ? ":true" : ":false";
  return *this;
}

}  // namespace mq
