// Abandoning the broker calls a background thread of the client makes, when its client
// closes: a group member's thread that retries a metadata call against unreachable brokers
// would otherwise hold Consumer::close() until the call's retries or deadline ran out.
//
//   CallCancel calls;                      // owned by the object that runs the thread
//   thread: CallCancelScope scope(calls);  // every Cluster call of this thread heeds it
//   close:  calls.cancel();                // its retry waits end at once
//
// A cancelled call ends with callAbandoned() at its next retry or throttle wait (or before
// its next attempt); an attempt already on the wire is interrupted (Interruption: its
// connection is shut down, so a reply a hung broker never sends is not waited for).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>

#include "mq/error.h"

namespace mq::client {

class CallCancel {
 public:
  // While it lives, cancel() runs `interrupt` (at once if cancelled already), and never
  // after it is gone: what `interrupt` touches must outlive it. With `calls` null (a thread
  // outside any CallCancelScope) it does nothing.
  class Interruption {
   public:
    Interruption(const CallCancel* calls, std::function<void()> interrupt);
    ~Interruption();
    Interruption(const Interruption&) = delete;
    Interruption& operator=(const Interruption&) = delete;

   private:
    const CallCancel* calls_;
    std::list<std::function<void()>>::iterator entry_;
  };

  void cancel();
  bool cancelled() const;
  // Waits `pause`; false, at once, if cancelled before or meanwhile.
  bool pause(std::chrono::steady_clock::duration pause) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cancelled_cv_;
  bool cancelled_ = false;
  mutable std::list<std::function<void()>> interrupts_;  // of the live Interruptions
};

// Makes `calls` the cancellation of the calls the current thread makes while it lives.
class CallCancelScope {
 public:
  explicit CallCancelScope(const CallCancel& calls);
  ~CallCancelScope();
  CallCancelScope(const CallCancelScope&) = delete;
  CallCancelScope& operator=(const CallCancelScope&) = delete;

  // The current thread's cancellation; null outside any scope.
  static const CallCancel* current();

 private:
  const CallCancel* previous_;
};

// What a cancelled call throws: Error(SHUTTING_DOWN, not retriable).
Error callAbandoned();

}  // namespace mq::client
