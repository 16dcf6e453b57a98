#include "client/record_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>

namespace mq::client {
namespace {

// The order std::deque keeps, through pushes at both ends and takes from the front that
// wrap around the ring and grow it.
TEST(RecordQueueTest, KeepsTheOrderOfADequeThroughWrapsAndGrowth) {
  RecordQueue<int> queue;
  std::deque<int> model;
  std::mt19937 random(7);
  int next = 0;
  for (int step = 0; step < 20000; ++step) {
    const unsigned action = random() % 10;
    if (action < 5) {
      queue.push_back(next);
      model.push_back(next++);
    } else if (action < 6) {
      queue.push_front(next);
      model.push_front(next++);
    } else if (!model.empty()) {
      EXPECT_EQ(queue.front(), model.front());
      EXPECT_EQ(queue.take_front(), model.front());
      model.pop_front();
    }
    ASSERT_EQ(queue.size(), model.size());
    ASSERT_EQ(queue.empty(), model.empty());
    if (step % 97 == 0) {
      for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(queue[i], model[i]) << i;
    }
  }
}

// Records move in and out: a move-only record (a callback, a payload) is never copied, and
// a queue that empties after a burst releases what it held.
TEST(RecordQueueTest, MovesRecordsAndReleasesThemWhenTaken) {
  RecordQueue<std::unique_ptr<int>> queue;
  auto shared = std::make_shared<int>(0);
  RecordQueue<std::shared_ptr<int>> holders;
  for (int i = 0; i < 5000; ++i) {
    queue.push_back(std::make_unique<int>(i));
    holders.push_back(shared);
  }
  EXPECT_EQ(shared.use_count(), 5001);
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(*queue.take_front(), i);
    holders.take_front();
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(shared.use_count(), 1);  // no slot still holds a record taken from it
  queue.push_front(std::make_unique<int>(42));
  EXPECT_EQ(*queue.front(), 42);
}

}  // namespace
}  // namespace mq::client
