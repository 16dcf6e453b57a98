// Graceful shutdown on SIGTERM/SIGINT. Construct one in main() before starting any thread:
// it blocks those signals in every thread and waits for them on its own, so shutdown code
// runs in normal context rather than in a signal handler.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace mq {

class ShutdownSignal {
 public:
  ShutdownSignal();
  ~ShutdownSignal();
  // Blocks until SIGTERM or SIGINT arrives, or request() is called. Returns the signal
  // number (0 for request()).
  int wait();
  // Ends wait() as if a signal had arrived (tests, fatal errors).
  void request();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
  int signal_ = 0;
  std::thread waiter_;
};

}  // namespace mq
