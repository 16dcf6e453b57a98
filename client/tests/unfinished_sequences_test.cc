#include "client/unfinished_sequences.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace mq::client {
namespace {

TEST(UnfinishedSequencesTest, NothingAddedMeansEverythingFinished) {
  UnfinishedSequences unfinished;
  EXPECT_TRUE(unfinished.finishedThrough(0));
  EXPECT_TRUE(unfinished.finishedThrough(100));
}

TEST(UnfinishedSequencesTest, AnOlderUnfinishedSequenceHoldsBackItsTarget) {
  UnfinishedSequences unfinished;
  for (uint64_t s = 1; s <= 3; ++s) unfinished.add(s);
  unfinished.finish(2);
  unfinished.finish(3);
  EXPECT_FALSE(unfinished.finishedThrough(1));
  EXPECT_FALSE(unfinished.finishedThrough(3));
  unfinished.finish(1);
  EXPECT_TRUE(unfinished.finishedThrough(3));
}

TEST(UnfinishedSequencesTest, ATargetBeforeTheOldestUnfinishedIsFinished) {
  UnfinishedSequences unfinished;
  for (uint64_t s = 1; s <= 4; ++s) unfinished.add(s);
  unfinished.finish(1);
  unfinished.finish(2);
  EXPECT_TRUE(unfinished.finishedThrough(2));
  EXPECT_FALSE(unfinished.finishedThrough(3));
}

TEST(UnfinishedSequencesTest, UnknownAndRepeatedFinishesChangeNothing) {
  UnfinishedSequences unfinished;
  unfinished.finish(7);  // never added
  unfinished.add(1);
  unfinished.add(2);
  unfinished.finish(1);
  unfinished.finish(1);   // again
  unfinished.finish(0);   // before the window
  unfinished.finish(99);  // after it
  EXPECT_TRUE(unfinished.finishedThrough(1));
  EXPECT_FALSE(unfinished.finishedThrough(2));
}

TEST(UnfinishedSequencesTest, AddingAfterEverythingFinishedStartsANewWindow) {
  UnfinishedSequences unfinished;
  unfinished.add(1);
  unfinished.finish(1);
  unfinished.add(2);
  EXPECT_TRUE(unfinished.finishedThrough(1));
  EXPECT_FALSE(unfinished.finishedThrough(2));
  unfinished.finish(2);
  EXPECT_TRUE(unfinished.finishedThrough(2));
}

// The answers equal those of a std::set of the unfinished sequences whatever the order in
// which sequences finish.
TEST(UnfinishedSequencesTest, AgreesWithASetUnderRandomFinishOrders) {
  std::mt19937 random(23);
  UnfinishedSequences unfinished;
  std::set<uint64_t> reference;
  uint64_t next = 1;
  for (int round = 0; round < 200; ++round) {
    const int adds = std::uniform_int_distribution<int>(0, 20)(random);
    for (int i = 0; i < adds; ++i) {
      unfinished.add(next);
      reference.insert(next);
      ++next;
    }
    std::vector<uint64_t> open(reference.begin(), reference.end());
    std::shuffle(open.begin(), open.end(), random);
    open.resize(
        std::min<size_t>(open.size(), std::uniform_int_distribution<size_t>(0, 15)(random)));
    for (uint64_t s : open) {
      unfinished.finish(s);
      reference.erase(s);
    }
    for (uint64_t target = 0; target <= next; ++target) {
      const bool expected = reference.empty() || *reference.begin() > target;
      ASSERT_EQ(unfinished.finishedThrough(target), expected)
          << "round " << round << " target " << target;
    }
  }
}

}  // namespace
}  // namespace mq::client
