// CallCancel: a background thread's retry waits end when its client closes.
#include "client/call_cancel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace mq::client {
namespace {

using namespace std::chrono_literals;

TEST(CallCancel, APauseLastsItsTimeUnlessCancelled) {
  CallCancel calls;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(calls.pause(50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
  EXPECT_FALSE(calls.cancelled());
}

TEST(CallCancel, CancelEndsAPauseInProgressAndEveryLaterOne) {
  CallCancel calls;
  bool paused = true;
  std::thread waiter([&] { paused = calls.pause(60s); });
  std::this_thread::sleep_for(50ms);
  calls.cancel();
  waiter.join();  // long before 60 s
  EXPECT_FALSE(paused);
  EXPECT_TRUE(calls.cancelled());
  EXPECT_FALSE(calls.pause(60s));
}

TEST(CallCancel, AScopeAppliesToItsThreadOnlyAndRestoresTheOuterOne) {
  CallCancel outer;
  CallCancel inner;
  EXPECT_EQ(CallCancelScope::current(), nullptr);
  {
    CallCancelScope a(outer);
    EXPECT_EQ(CallCancelScope::current(), &outer);
    {
      CallCancelScope b(inner);
      EXPECT_EQ(CallCancelScope::current(), &inner);
    }
    EXPECT_EQ(CallCancelScope::current(), &outer);
    const CallCancel* seen_elsewhere = &outer;
    std::thread([&] { seen_elsewhere = CallCancelScope::current(); }).join();
    EXPECT_EQ(seen_elsewhere, nullptr);
  }
  EXPECT_EQ(CallCancelScope::current(), nullptr);
}

}  // namespace
}  // namespace mq::client
