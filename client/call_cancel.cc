#include "client/call_cancel.h"

namespace mq::client {
namespace {

thread_local const CallCancel* t_calls = nullptr;

}  // namespace

CallCancel::Interruption::Interruption(const CallCancel* calls, std::function<void()> interrupt)
    : calls_(calls) {
  if (!calls_) return;
  std::lock_guard<std::mutex> lock(calls_->mutex_);
  if (calls_->cancelled_) interrupt();
  entry_ = calls_->interrupts_.insert(calls_->interrupts_.end(), std::move(interrupt));
}

CallCancel::Interruption::~Interruption() {
  if (!calls_) return;
  std::lock_guard<std::mutex> lock(calls_->mutex_);
  calls_->interrupts_.erase(entry_);
}

void CallCancel::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!cancelled_) {
      // Under the lock: an Interruption being destroyed waits for its interrupt to end.
      for (const auto& interrupt : interrupts_) interrupt();
    }
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
