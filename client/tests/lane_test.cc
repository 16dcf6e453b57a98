// Lanes (mq/lane.h): which consumer reads which message, and which lane names are valid.
#include "mq/lane.h"

#include <gtest/gtest.h>

using mq::client::kAllLanes;
using mq::client::kLaneHeader;
using mq::client::laneAccepts;
using mq::client::laneProblem;

namespace mq {
namespace {

using Headers = std::map<std::string, std::string>;

TEST(Lane, DefaultConsumerReadsOnlyMessagesWithoutALane) {
  EXPECT_TRUE(laneAccepts("", {}));
  EXPECT_TRUE(laneAccepts("", Headers{{"trace", "x"}}));
  EXPECT_TRUE(laneAccepts("", Headers{{kLaneHeader, ""}}));
  EXPECT_FALSE(laneAccepts("", Headers{{kLaneHeader, "shadow"}}));
}

TEST(Lane, NamedLaneReadsOnlyItsOwnMessages) {
  EXPECT_TRUE(laneAccepts("shadow", Headers{{kLaneHeader, "shadow"}}));
  EXPECT_FALSE(laneAccepts("shadow", Headers{{kLaneHeader, "canary"}}));
  EXPECT_FALSE(laneAccepts("shadow", {}));
  EXPECT_FALSE(laneAccepts("shadow", Headers{{kLaneHeader, "Shadow"}})) << "case matters";
}

TEST(Lane, AllLanesReadsEverything) {
  EXPECT_TRUE(laneAccepts(kAllLanes, {}));
  EXPECT_TRUE(laneAccepts(kAllLanes, Headers{{kLaneHeader, "canary"}}));
}

TEST(Lane, NamesAreCheckedWithAReason) {
  EXPECT_FALSE(laneProblem("canary-2.eu_west", false));
  EXPECT_FALSE(laneProblem("*", true));
  EXPECT_TRUE(laneProblem("*", false)) << "a producer cannot send to every lane";
  EXPECT_NE(laneProblem("bad lane", false)->find("bad lane"), std::string::npos);
  EXPECT_TRUE(laneProblem(std::string(65, 'a'), false));
}

}  // namespace
}  // namespace mq
