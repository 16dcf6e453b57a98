#include "server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace mq {
namespace {

TEST(WorkerPool, ATaskStartsWhileEveryOtherThreadIsBlocked) {
  std::mutex mutex;
  std::condition_variable changed;
  int blocked = 0;
  bool release = false;
  WorkerPool pool;  // joined before what its tasks use goes
  for (int i = 0; i < 8; ++i) {
    pool.post([&] {
      std::unique_lock<std::mutex> lock(mutex);
      ++blocked;
      changed.notify_all();
      changed.wait(lock, [&] { return release; });
    });
  }
  {
    // Eight blocked tasks need eight threads: none waits for another to finish.
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return blocked == 8; }));
    release = true;
  }
  changed.notify_all();
  EXPECT_LE(pool.threads(), 8u);
}

TEST(WorkerPool, StopRunsWhatIsQueuedAndIdleThreadsAreReused) {
  std::atomic<int> ran{0};
  WorkerPool pool;
  for (int i = 0; i < 100; ++i) {
    pool.post([&] { ran.fetch_add(1); });
    // One at a time: the thread that ran the last task is idle again and takes the next.
    for (int spin = 0; spin < 10000 && ran.load() <= i; ++spin) std::this_thread::yield();
  }
  pool.stop();
  EXPECT_EQ(ran.load(), 100);
  EXPECT_LT(pool.threads(), 100u);
  pool.post([&] { ran.fetch_add(1); });  // after stop: runs nothing
  EXPECT_EQ(ran.load(), 100);
}

TEST(WorkerPool, AThreadIdleForTheTimeoutEnds) {
  std::atomic<bool> ran{false};
  WorkerPool pool(std::chrono::milliseconds(50));
  pool.post([&] { ran = true; });
  for (int i = 0; i < 500 && pool.threads() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace mq
