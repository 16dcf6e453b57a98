// Structured logging: one JSON object per line on stderr, so logs can be grepped by humans
// and parsed by collectors.
//
//   logInfo("broker listening").kv("port", 9200).kv("id", id);
//
// The line is written when the temporary LogLine is destroyed. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Process-wide settings; call once at start-up.
void setLogComponent(std::string component);
void setLogLevel(LogLevel level);
// Parses "debug", "info", "warn" or "error"; returns false for anything else.
bool parseLogLevel(std::string_view text, LogLevel* level);
// Those names, least severe first: the choices of a daemon's --log-level option.
std::vector<std::string> logLevelNames();
// A daemon's start: its component and the least severity logged, a name of
// logLevelNames() (its option table checked it; anything else throws
// std::invalid_argument naming the value).
void startLogging(std::string component, std::string_view level);

class LogLine {
 public:
  LogLine(LogLevel level, std::string_view message);
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  ~LogLine();

  LogLine& kv(std::string_view key, std::string_view value);
  LogLine& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  LogLine& kv(std::string_view key, const std::string& value) {
    return kv(key, std::string_view(value));
  }
  LogLine& kv(std::string_view key, int64_t value);
  LogLine& kv(std::string_view key, int value) { return kv(key, static_cast<int64_t>(value)); }
  LogLine& kv(std::string_view key, uint64_t value);
  LogLine& kv(std::string_view key, double value);
  LogLine& kv(std::string_view key, bool value);

 private:
  bool enabled_;
  std::string buffer_;
};

inline LogLine logDebug(std::string_view message) { return LogLine(LogLevel::kDebug, message); }
inline LogLine logInfo(std::string_view message) { return LogLine(LogLevel::kInfo, message); }
inline LogLine logWarn(std::string_view message) { return LogLine(LogLevel::kWarn, message); }
inline LogLine logError(std::string_view message) { return LogLine(LogLevel::kError, message); }

}  // namespace mq
