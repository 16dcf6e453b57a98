// Waiting in integration tests for something another process does on its own schedule.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace mq::test {

// Polls `check` every 100 ms until it returns true or `timeout` passes; its last answer.
inline bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& check) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return check();
}

}  // namespace mq::test
