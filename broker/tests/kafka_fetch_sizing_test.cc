// FetchSizing (broker/kafka/fetch_sizing.h): a Kafka Fetch asks the store for about as many
// messages as fit in its byte limit, learnt per partition from what earlier fetches returned.
#include <gtest/gtest.h>

#include "broker/kafka/fetch_sizing.h"

namespace mq::kafka {
namespace {

TEST(KafkaFetchSizing, AsksForAboutAsManyMessagesAsFitInTheByteLimit) {
  FetchSizing sizing;
  // Nothing seen yet: 256 bytes a message, a quarter more, plus one.
  EXPECT_EQ(sizing.maxMessages("t", 0, 1 << 20), 4096 + 1024 + 1);
  sizing.observe("t", 0, 1000, 1000 * 1024);  // 1 KiB messages
  EXPECT_EQ(sizing.maxMessages("t", 0, 1 << 20), 1024 + 256 + 1);
  // Per partition and topic.
  EXPECT_EQ(sizing.maxMessages("t", 1, 1 << 20), 5121);
  EXPECT_EQ(sizing.maxMessages("u", 0, 1 << 20), 5121);
  // An empty fetch teaches nothing; the last non-empty one counts.
  sizing.observe("t", 0, 0, 0);
  EXPECT_EQ(sizing.maxMessages("t", 0, 1 << 20), 1281);
  sizing.observe("t", 0, 10, 100 * 1024);  // 10 KiB messages now
  EXPECT_EQ(sizing.maxMessages("t", 0, 1 << 20), 102 + 25 + 1);
}

TEST(KafkaFetchSizing, StaysWithinOneAndTheFetchPathsLimit) {
  FetchSizing sizing;
  sizing.observe("t", 0, 100, 0);  // empty values
  EXPECT_EQ(sizing.maxMessages("t", 0, 1 << 20), FetchSizing::kMaxMessages);
  sizing.observe("t", 0, 1, 50 << 20);  // one huge message
  EXPECT_EQ(sizing.maxMessages("t", 0, 1 << 20), 1);
  EXPECT_EQ(sizing.maxMessages("t", 0, 1), 1);
}

}  // namespace
}  // namespace mq::kafka
