#include "common/options.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(Duration, ParsesUnits) {
  int64_t ms = 0;
  ASSERT_TRUE(parseDurationMs("250ms", &ms));
  EXPECT_EQ(ms, 250);
  ASSERT_TRUE(parseDurationMs("30s", &ms));
  EXPECT_EQ(ms, 30000);
  ASSERT_TRUE(parseDurationMs("5m", &ms));
  EXPECT_EQ(ms, 300000);
  ASSERT_TRUE(parseDurationMs("12h", &ms));
  EXPECT_EQ(ms, 12 * 3600000LL);
  ASSERT_TRUE(parseDurationMs("7d", &ms));
  EXPECT_EQ(ms, 7 * 86400000LL);
  ASSERT_TRUE(parseDurationMs("42", &ms));
  EXPECT_EQ(ms, 42);
}

TEST(Duration, RejectsGarbage) {
  int64_t ms = 0;
  for (const char* bad : {"", "s", "-5s", "5x", "1.5s", "5 s", "99999999999999999d"}) {
    EXPECT_FALSE(parseDurationMs(bad, &ms)) << bad;
  }
}

}  // namespace
}  // namespace mq
