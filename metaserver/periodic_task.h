// A background thread that runs one function at a fixed interval and stops promptly: stop()
// wakes the wait (a condition variable, not a sleep) and joins, letting a run in progress
// finish. Exceptions from the function are logged and the next run happens as usual.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace mq {

class PeriodicTask {
 public:
  // `name` appears in log lines about failed runs.
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> run);
  ~PeriodicTask();  // stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts the thread; the first run is immediate. REQUIRES: not started yet.
  void start();
  // Wakes and joins the thread. Idempotent; safe when never started.
  void stop();

 private:
  void loop();

  const std::string name_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> run_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq
