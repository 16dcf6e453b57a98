#include "perf/message_keys.h"

#include <gtest/gtest.h>

#include <set>

namespace mq::perf {
namespace {

TEST(MessageKeysTest, NoKeyGivesNoKeys) {
  MessageKeys keys(KeyDistributor::kNoKey, 1);
  EXPECT_FALSE(keys.next().has_value());
}

TEST(MessageKeysTest, KeysAreTenThousandDistinctBase64UrlStringsOfSevenBytes) {
  MessageKeys keys(KeyDistributor::kKeyRoundRobin, 1);
  ASSERT_EQ(keys.keys().size(), 10000u);
  std::set<std::string> distinct(keys.keys().begin(), keys.keys().end());
  EXPECT_GT(distinct.size(), 9990u);
  for (const auto& key : keys.keys()) {
    ASSERT_EQ(key.size(), 10u) << key;  // 7 bytes = 56 bits = 10 base64 digits, unpadded
    ASSERT_EQ(
        key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << key;
  }
  EXPECT_EQ(MessageKeys(KeyDistributor::kRandomNano, 1).keys(), keys.keys())
      << "the same seed gives every producer the same keys";
}

TEST(MessageKeysTest, RoundRobinCyclesThroughEveryKey) {
  MessageKeys keys(KeyDistributor::kKeyRoundRobin, 7);
  std::set<std::string> seen;
  for (int i = 0; i < MessageKeys::kUniqueKeys; ++i) seen.insert(*keys.next());
  EXPECT_EQ(seen.size(), std::set<std::string>(keys.keys().begin(), keys.keys().end()).size());
  EXPECT_EQ(*keys.next(), keys.keys()[1]) << "the cycle starts again where it began";
}

TEST(MessageKeysTest, RandomNanoPicksKeysOfTheSet) {
  MessageKeys keys(KeyDistributor::kRandomNano, 7);
  std::set<std::string> all(keys.keys().begin(), keys.keys().end());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(all.count(*keys.next()));
}

}  // namespace
}  // namespace mq::perf
