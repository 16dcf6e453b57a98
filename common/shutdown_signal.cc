#include "common/shutdown_signal.h"

#include <pthread.h>
#include <signal.h>

#include "common/thread_name.h"

namespace mq {

ShutdownSignal::ShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client that disconnects mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);
  waiter_ = std::thread([this, set] {
    nameThisThread("signals");
    int received = 0;
    sigwait(&set, &received);
    std::lock_guard<std::mutex> lock(mutex_);
    signal_ = received;
    requested_ = true;
    cv_.notify_all();
  });
}

ShutdownSignal::~ShutdownSignal() {
  request();
  // Wake the waiter thread if no signal ever came.
  pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

int ShutdownSignal::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return requested_; });
  return signal_;
}

void ShutdownSignal::request() {
  std::lock_guard<std::mutex> lock(mutex_);
  requested_ = true;
  cv_.notify_all();
}

}  // namespace mq
