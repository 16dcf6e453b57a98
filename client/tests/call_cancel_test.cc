// CallCancel: a background thread's retry waits end when its client closes.
#include "client/call_cancel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "client/cluster.h"
#include "client/tests/silent_peer.h"

namespace mq::client {
namespace {

using namespace std::chrono_literals;

// What one call through `cluster` on a thread in a scope of its own ends with, when that
// scope is cancelled after `cancel_after`; `took` is how long the call lasted.
struct CancelledCall {
  std::optional<ErrorCode> ended_with;
  std::chrono::steady_clock::duration took{};
};

CancelledCall cancelDuring(Cluster& cluster, const std::function<void(BrokerConnection&)>& attempt,
                           std::chrono::milliseconds cancel_after) {
  CallCancel calls;
  CancelledCall outcome;
  const auto started = std::chrono::steady_clock::now();
  std::thread member([&] {
    CallCancelScope scope(calls);
    try {
      cluster.withBroker(attempt, std::chrono::steady_clock::now() + 120s);
    } catch (const Error& e) {
      outcome.ended_with = e.code();
    }
  });
  std::this_thread::sleep_for(cancel_after);
  calls.cancel();
  member.join();
  outcome.took = std::chrono::steady_clock::now() - started;
  return outcome;
}

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

TEST(CallCancel, EndsAThrottleWaitOfTheCancelledThreadsCalls) {
  ClientConfig config;
  // Never contacted: the call waits before. The first is the one the call picks.
  config.bootstrap_brokers = {"127.0.0.1:1", "127.0.0.1:2"};
  Cluster cluster(config);
  const HostPort broker{"127.0.0.1", 1};
  cluster.reportThrottle(broker, 60'000);  // a broker holding this client back for a minute

  bool attempted = false;
  const auto call = cancelDuring(
      cluster, [&](BrokerConnection&) { attempted = true; }, 100ms);
  EXPECT_LT(call.took, 30s);  // not the minute's throttle
  EXPECT_EQ(call.ended_with, ErrorCode::SHUTTING_DOWN);
  EXPECT_FALSE(attempted);
  // The abandoned call did not count as the broker's failure: it is not being avoided.
  EXPECT_TRUE(cluster.otherBrokerUsable(HostPort{"127.0.0.1", 2}));
}

TEST(CallCancel, AnInterruptionRunsOnCancelWhileItLivesAndAtOnceWhenAlreadyCancelled) {
  CallCancel calls;
  int ran = 0;
  {
    CallCancel::Interruption gone(&calls, [&] { ++ran; });
  }
  {
    CallCancel::Interruption live(&calls, [&] { ++ran; });
    EXPECT_EQ(ran, 0);
    calls.cancel();
    EXPECT_EQ(ran, 1);
    calls.cancel();  // once
    EXPECT_EQ(ran, 1);
  }
  CallCancel::Interruption late(&calls, [&] { ++ran; });
  EXPECT_EQ(ran, 2);
  CallCancel::Interruption none(nullptr, [&] { ++ran; });  // outside any scope: never runs
  EXPECT_EQ(ran, 2);
}

// A broker that took the request and never answers (hung, or SIGSTOPped): the call of a
// cancelled thread does not wait out its reply timeout.
TEST(CallCancel, EndsACallWaitingForAReplyThatNeverComes) {
  testing::SilentPeer hung;
  ClientConfig config;
  config.bootstrap_brokers = {hung.address(), "127.0.0.1:2"};  // the first is picked
  config.request_timeout_ms = 60'000;
  Cluster cluster(config);

  bool sent = false;
  const auto call = cancelDuring(
      cluster,
      [&](BrokerConnection& connection) {
        sent = true;
        connection.call([](auto& broker) {
          rpc::MetadataResponse response;
          broker.metadata(response, rpc::MetadataRequest());
        });
      },
      300ms);
  EXPECT_LT(call.took, 30s);  // not the 60 s reply timeout
  EXPECT_EQ(call.ended_with, ErrorCode::SHUTTING_DOWN);
  EXPECT_TRUE(sent);
  // The interrupted call did not count as the broker's failure.
  EXPECT_TRUE(cluster.otherBrokerUsable(HostPort{"127.0.0.1", 2}));
}

}  // namespace
}  // namespace mq::client
