// LeaseStore against a real MariaDB: at most one holder at a time, renewal by the holder,
// expiry and release on the database's clock, and exactly one winner when contenders race.
#include "metaserver/store/lease_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

class LeaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  LeaseStore leases_{db_.pool()};
};

TEST_F(LeaseStoreTest, OneHolderAtATimeAndTheHolderRenews) {
  EXPECT_FALSE(leases_.current("lag-collector"));  // nobody ever took it
  EXPECT_TRUE(leases_.acquire("lag-collector", "meta-a", 60000));
  EXPECT_FALSE(leases_.acquire("lag-collector", "meta-b", 60000));
  EXPECT_TRUE(leases_.acquire("lag-collector", "meta-a", 60000));  // a renewal
  const auto held = leases_.current("lag-collector");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->holder, "meta-a");
  EXPECT_FALSE(held->expired);
  EXPECT_TRUE(leases_.acquire("other-job", "meta-b", 60000));  // names are independent
}

TEST_F(LeaseStoreTest, AnExpiredLeaseGoesToTheNextContender) {
  ASSERT_TRUE(leases_.acquire("lag-collector", "meta-a", 100));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto lapsed = leases_.current("lag-collector");
  ASSERT_TRUE(lapsed);
  EXPECT_TRUE(lapsed->expired);
  EXPECT_TRUE(leases_.acquire("lag-collector", "meta-b", 60000));
  EXPECT_EQ(leases_.current("lag-collector")->holder, "meta-b");
  EXPECT_FALSE(leases_.acquire("lag-collector", "meta-a", 60000));
}

TEST_F(LeaseStoreTest, OnlyTheHolderReleasesAndAReleasedLeaseIsFreeAtOnce) {
  ASSERT_TRUE(leases_.acquire("lag-collector", "meta-a", 60000));
  leases_.release("lag-collector", "meta-b");  // not its lease: nothing happens
  EXPECT_FALSE(leases_.acquire("lag-collector", "meta-b", 60000));
  leases_.release("lag-collector", "meta-a");
  EXPECT_TRUE(leases_.current("lag-collector")->expired);
  EXPECT_TRUE(leases_.acquire("lag-collector", "meta-b", 60000));
}

TEST_F(LeaseStoreTest, ContendersRacingForAFreeLeaseHaveExactlyOneWinner) {
  constexpr int kRounds = 20;
  constexpr int kContenders = 4;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "job-" + std::to_string(round);
    std::atomic<int> winners{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> contenders;
    for (int c = 0; c < kContenders; ++c) {
      contenders.emplace_back([&, c] {
        while (!go) std::this_thread::yield();
        if (leases_.acquire(name, "meta-" + std::to_string(c), 60000)) ++winners;
      });
    }
    go = true;
    for (auto& t : contenders) t.join();
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

}  // namespace
}  // namespace mq
