// A child process for integration tests: started with arguments and a log file, signalled,
// waited for, and killed when the owner goes away (tests never leak daemons).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/harness/free_port.h"

namespace mq::test {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Starts `argv[0]` with the arguments; stdout and stderr are appended to `log_path`.
  void start(const std::vector<std::string>& argv, const std::string& log_path);
  void signal(int sig);
  // Waits up to timeout_ms for the process to exit; returns its exit status (as from
  // waitpid), or -1 if it is still running.
  int wait(int timeout_ms);
  // SIGTERM, then SIGKILL after timeout_ms. Returns the exit status.
  int stop(int timeout_ms = 10000);
  bool running();
  pid_t pid() const { return pid_; }
  const std::string& logPath() const { return log_path_; }
  // What it logged so far.
  std::string logText() const;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  std::string log_path_;
};

// Runs a command to completion; returns its exit code and captures stdout (and stderr
// into `error` when given). Feeds `input` to its stdin.
int runCommand(const std::vector<std::string>& argv, const std::string& input, std::string* output,
               std::string* error = nullptr, int timeout_ms = 60000);

// Waits until host:port accepts connections; false after timeout_ms.
bool waitForPort(int port, int timeout_ms);

}  // namespace mq::test
