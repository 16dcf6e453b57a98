#include "common/topic_name.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(TopicName, AcceptsLettersDigitsDotUnderscoreDash) {
  EXPECT_FALSE(topicNameProblem("orders.v1_created-2026"));
  EXPECT_FALSE(topicNameProblem(std::string(kMaxTopicNameLength, 'a')));
}

TEST(TopicName, RejectsEmptyTooLongReservedAndOddCharacters) {
  EXPECT_EQ(*topicNameProblem(""), "topic name is empty");
  EXPECT_NE(topicNameProblem(std::string(kMaxTopicNameLength + 1, 'a'))->find("limit is 200"),
            std::string::npos);
  EXPECT_TRUE(topicNameProblem(".."));
  EXPECT_NE(topicNameProblem("a b")->find("contains ` `"), std::string::npos);
  EXPECT_TRUE(topicNameProblem("x;DROP TABLE"));
  EXPECT_TRUE(topicNameProblem("naïve"));
}

TEST(TopicName, PartitionCountsFrom1ToTheLimit) {
  EXPECT_FALSE(partitionCountProblem(1));
  EXPECT_FALSE(partitionCountProblem(kMaxPartitions));
  EXPECT_EQ(*partitionCountProblem(0), "partitions must be 1..1024, got 0");
  EXPECT_TRUE(partitionCountProblem(-1));
  EXPECT_TRUE(partitionCountProblem(kMaxPartitions + 1));
}

}  // namespace
}  // namespace mq
