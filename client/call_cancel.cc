#include "client/call_cancel.h"

namespace mq::client {
namespace {

thread_local const CallCancel* t_calls = nullptr;

}  // namespace

void CallCancel::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  cancelled_cv_.notify_all();
}

bool CallCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_;
}

bool CallCancel::pause(std::chrono::steady_clock::duration pause) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return !cancelled_cv_.wait_for(lock, pause, [this] { return cancelled_; });
}

CallCancelScope::CallCancelScope(const CallCancel& calls) : previous_(t_calls) { t_calls = &calls; }

CallCancelScope::~CallCancelScope() { t_calls = previous_; }

const CallCancel* CallCancelScope::current() { return t_calls; }

Error callAbandoned() {
  return Error(ErrorCode::SHUTTING_DOWN, "the call was abandoned: its client is closing", false);
}

}  // namespace mq::client
