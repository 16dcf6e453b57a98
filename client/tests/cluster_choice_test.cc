// ClusterChoice: which cluster a failover producer sends to, from probe results.
#include "client/cluster_choice.h"

#include <gtest/gtest.h>

using mq::client::ClusterChoice;

namespace mq {
namespace {

using std::chrono::milliseconds;

class ClusterChoiceTest : public ::testing::Test {
 protected:
  ClusterChoice choice{3, milliseconds(5000), milliseconds(20000)};
  SteadyClock::time_point t0 = SteadyClock::now();
  SteadyClock::time_point at(int64_t ms) { return t0 + milliseconds(ms); }
  // Every cluster probed at `ms`: up[i] says whether cluster i answered.
  size_t probeAll(int64_t ms, std::vector<bool> up) {
    for (size_t i = 0; i < up.size(); ++i) choice.record(i, up[i], at(ms));
    return choice.choose(at(ms));
  }
};

TEST_F(ClusterChoiceTest, StartsAtTheFirstClusterAndStaysWhileItAnswers) {
  EXPECT_EQ(choice.current(), 0u);
  for (int64_t ms = 0; ms <= 60000; ms += 1000) EXPECT_EQ(probeAll(ms, {true, true, true}), 0u);
}

TEST_F(ClusterChoiceTest, MovesOnlyAfterTheClusterInUseFailedForTheWholeWindow) {
  probeAll(0, {true, true, true});
  EXPECT_EQ(probeAll(1000, {false, true, true}), 0u);
  EXPECT_EQ(probeAll(5999, {false, true, true}), 0u);
  EXPECT_EQ(probeAll(6000, {false, true, true}), 1u);  // down since 1000: 5 s
}

TEST_F(ClusterChoiceTest, OneAnswerInTheWindowRestartsIt) {
  probeAll(0, {false, true, true});
  probeAll(4000, {true, true, true});
  EXPECT_EQ(probeAll(5000, {false, true, true}), 0u);
  EXPECT_EQ(probeAll(9999, {false, true, true}), 0u);
  EXPECT_EQ(probeAll(10000, {false, true, true}), 1u);
}

TEST_F(ClusterChoiceTest, SkipsAClusterThatDoesNotAnswerEither) {
  probeAll(0, {false, false, true});
  EXPECT_EQ(probeAll(5000, {false, false, true}), 2u);
}

TEST_F(ClusterChoiceTest, StaysWhenNoOtherClusterAnswers) {
  probeAll(0, {false, false, false});
  EXPECT_EQ(probeAll(30000, {false, false, false}), 0u);
  EXPECT_EQ(probeAll(31000, {false, true, false}), 1u);
}

TEST_F(ClusterChoiceTest, GoesBackOnceThePreferredClusterAnsweredForTheFailbackTime) {
  probeAll(0, {false, true, true});
  EXPECT_EQ(probeAll(5000, {false, true, true}), 1u);
  EXPECT_EQ(probeAll(10000, {true, true, true}), 1u);
  EXPECT_EQ(probeAll(20000, {false, true, true}), 1u);  // flapped: the wait starts again
  EXPECT_EQ(probeAll(21000, {true, true, true}), 1u);
  EXPECT_EQ(probeAll(40999, {true, true, true}), 1u);
  EXPECT_EQ(probeAll(41000, {true, true, true}), 0u);
}

TEST_F(ClusterChoiceTest, AFallbackThatDiesMovesToTheFirstClusterAnswering) {
  probeAll(0, {false, false, true});
  EXPECT_EQ(probeAll(5000, {false, false, true}), 2u);
  EXPECT_EQ(probeAll(6000, {true, true, false}), 2u);
  EXPECT_EQ(probeAll(11000, {true, true, false}), 0u);
}

TEST_F(ClusterChoiceTest, AClusterNeverProbedIsNeitherUpNorDown) {
  ClusterChoice two(2, milliseconds(1000), milliseconds(1000));
  EXPECT_EQ(two.choose(at(100000)), 0u);
  two.record(0, false, at(0));
  EXPECT_EQ(two.choose(at(100000)), 0u);  // cluster 1 never answered
}

}  // namespace
}  // namespace mq
