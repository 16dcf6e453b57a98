// The threads that run an event-driven server's requests (server/event_rpc_server.h): a
// task queue served by as many threads as it needs. A posted task starts at once on an
// idle thread, or on a new one when every thread is busy: a request that blocks (a fetch
// that long-polls for new messages) never holds up another, as with a thread per
// connection, but the threads are kept and reused instead of being started per connection.
// A thread idle for `idle_timeout` ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mq {

class WorkerPool {
 public:
  explicit WorkerPool(std::chrono::milliseconds idle_timeout = std::chrono::seconds(60));
  // Runs what is queued, then joins every thread.
  ~WorkerPool();

  // Queues `task`; it runs on a pool thread. A task must not throw (it is the caller's to
  // catch what it raises); one that does ends the process, as in a plain std::thread.
  void post(std::function<void()> task);
  // Runs what is queued and waits for every thread to end; post() after it runs nothing.
  void stop();

  size_t threads() const;

 private:
  void run();

  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> ended_;  // threads that ended on their idle timeout
  size_t idle_ = 0;                     // threads waiting for a task
  size_t live_ = 0;                     // threads not ended
  bool stopping_ = false;
};

}  // namespace mq
