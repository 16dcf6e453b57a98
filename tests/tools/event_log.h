// Shared by the test tool processes (group_consumer, failing_consumer): an append-only event
// log whose lines survive a kill -9, and comma-separated flag values.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace mq::tools {

inline int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "<unix micros> <event>\n" lines, each written with one write(2), so that a process killed
// with SIGKILL leaves every finished line behind.
class EventLog {
 public:
  explicit EventLog(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~EventLog() { ::close(fd_); }
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  void write(const std::string& event) { writeAt(nowMicros(), event); }
  // With the time an action started rather than when its line is written.
  void writeAt(int64_t micros, const std::string& event) {
    std::string line = std::to_string(micros) + " " + event + "\n";
    if (::write(fd_, line.data(), line.size()) < 0) std::perror("write");
  }

 private:
  int fd_;
};

// "a,b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

}  // namespace mq::tools
