#include "server/worker_pool.h"

#include <algorithm>

#include "common/thread_name.h"

namespace mq {

WorkerPool::WorkerPool(std::chrono::milliseconds idle_timeout) : idle_timeout_(idle_timeout) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::post(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return;
  tasks_.push_back(std::move(task));
  // An idle thread for each queued task; otherwise one more thread.
  if (idle_ >= tasks_.size()) {
    lock.unlock();
    work_.notify_one();
    return;
  }
  // Threads that ended on their timeout are joined here, off any hot path of theirs.
  for (const auto& id : ended_) {
    auto it = std::find_if(threads_.begin(), threads_.end(),
                           [&](const std::thread& t) { return t.get_id() == id; });
    if (it == threads_.end()) continue;
    it->join();
    threads_.erase(it);
  }
  ended_.clear();
  ++live_;
  threads_.emplace_back([this] {
    nameThisThread("rpc-pool");
    run();
  });
}

void WorkerPool::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (tasks_.empty()) {
      if (stopping_) break;
      ++idle_;
      const bool woken =
          work_.wait_for(lock, idle_timeout_, [this] { return stopping_ || !tasks_.empty(); });
      --idle_;
      if (!woken) break;  // idle for idle_timeout_
      continue;
    }
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // whatever it holds goes before the next one waits
    lock.lock();
  }
  --live_;
  if (!stopping_) ended_.push_back(std::this_thread::get_id());
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  work_.notify_all();
  for (auto& thread : threads) thread.join();
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_;
}

}  // namespace mq
