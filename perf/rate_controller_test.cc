#include "perf/rate_controller.h"

#include <gtest/gtest.h>

namespace mq::perf {
namespace {

TEST(RateControllerTest, DoublesWhileEverythingKeepsUp) {
  RateController controller;
  // 3 s at 10,000 msg/s: 30,000 published and received.
  EXPECT_DOUBLE_EQ(controller.nextRate(10000, 3.0, 30000, 30000), 20000);
  EXPECT_DOUBLE_EQ(controller.rampingFactor(), 1.0);
  EXPECT_DOUBLE_EQ(controller.nextRate(20000, 3.0, 90000, 90000), 40000);
}

TEST(RateControllerTest, BacksOffWhenConsumersFallBehindAndHalvesTheRamp) {
  RateController controller;
  // 30,000 published, 25,000 received: a receive backlog of 5,000 > 1,000.
  // Next: 0.2 x received rate (25,000 / 3) + 0.8 x (30,000 - 5,000) / 3.
  const double next = controller.nextRate(10000, 3.0, 30000, 25000);
  EXPECT_NEAR(next, 0.2 * 25000 / 3 + 0.8 * 25000 / 3, 1e-6);
  EXPECT_DOUBLE_EQ(controller.rampingFactor(), 0.5);
  // Caught up again: the factor doubles back to 1 and the rate with it.
  EXPECT_DOUBLE_EQ(controller.nextRate(8000, 3.0, 54000, 54000), 16000);
}

TEST(RateControllerTest, BacksOffWhenProducersCannotPublishTheRate) {
  RateController controller;
  // Asked for 30,000 in the period, published 20,000: publish backlog 10,000 > 1,000.
  const double next = controller.nextRate(10000, 3.0, 20000, 20000);
  EXPECT_NEAR(next, 0.2 * 20000 / 3 + 0.8 * 20000 / 3, 1e-6);
  EXPECT_DOUBLE_EQ(controller.rampingFactor(), 0.5);
}

TEST(RateControllerTest, ToleratesBacklogsUpToOneThousandMessages) {
  RateController controller;
  EXPECT_DOUBLE_EQ(controller.nextRate(10000, 3.0, 29000, 28000), 20000);
}

TEST(RateControllerTest, RampingFactorStaysWithinItsBounds) {
  RateController controller;
  int64_t published = 0;
  for (int i = 0; i < 20; ++i) {
    published += 100000;
    controller.nextRate(10000, 3.0, published, 0);  // never received: always back off
  }
  EXPECT_DOUBLE_EQ(controller.rampingFactor(), RateController::kMinRampingFactor);
  // Recovering from the smallest factor: the rate grows by 2 %, then 4 %, ...
  EXPECT_DOUBLE_EQ(controller.nextRate(1000, 3.0, published + 3000, published + 3000), 1020);
  EXPECT_DOUBLE_EQ(controller.nextRate(1020, 3.0, published + 6060, published + 6060), 1020 * 1.04);
}

}  // namespace
}  // namespace mq::perf
