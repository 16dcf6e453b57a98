// The partitioner's contract: a key's partition never changes between versions or
// platforms, keys spread evenly, keyless messages stick per batch and then rotate.
#include "mq/partitioner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

using mq::client::keyHash;
using mq::client::Partitioner;
using mq::client::partitionForKey;

namespace mq {
namespace {

TEST(KeyHash, IsPinnedForFixedInputs) {
  // These values are part of the wire-visible contract: changing them moves keys.
  EXPECT_EQ(keyHash(""), 2872998923u);
  EXPECT_EQ(keyHash("a"), 444641715u);
  EXPECT_EQ(keyHash("order-42"), 779839703u);
  EXPECT_EQ(keyHash("customer-1001"), 978403026u);
  EXPECT_EQ(keyHash("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"), 2594288994u);  // UTF-8 "ключ"
  EXPECT_EQ(keyHash(std::string("\x00\xff\x80", 3)), 2559405237u);
}

TEST(PartitionForKey, IsHashModuloPartitionCount) {
  EXPECT_EQ(partitionForKey("order-42", 4), 3);
  EXPECT_EQ(partitionForKey("order-42", 12), 11);
  EXPECT_EQ(partitionForKey("customer-1001", 4), 2);
  EXPECT_EQ(partitionForKey("customer-1001", 12), 6);
  EXPECT_EQ(partitionForKey(std::string("\x00\xff\x80", 3), 4), 1);
  EXPECT_EQ(partitionForKey("anything", 1), 0);
}

TEST(PartitionForKey, SpreadsManyKeysEvenly) {
  constexpr int kPartitions = 8;
  constexpr int kKeys = 80000;
  std::map<int, int> counts;
  for (int i = 0; i < kKeys; ++i)
    ++counts[partitionForKey("user-" + std::to_string(i), kPartitions)];
  ASSERT_EQ(counts.size(), static_cast<size_t>(kPartitions));
  for (const auto& [partition, count] : counts) {
    EXPECT_NEAR(count, kKeys / kPartitions, kKeys / kPartitions / 20) << "partition " << partition;
  }
}

TEST(Partitioner, KeyedMessagesIgnoreStickiness) {
  Partitioner partitioner(0);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(partitioner.choose("t", std::string("order-42"), std::nullopt, 4, {0, 1, 2, 3}), 3);
  }
}

TEST(Partitioner, ExplicitPartitionWinsOverKey) {
  Partitioner partitioner(0);
  EXPECT_EQ(partitioner.choose("t", std::string("order-42"), 1, 4, {0, 1, 2, 3}), 1);
}

TEST(Partitioner, KeylessMessagesStickUntilTheBatchClosesThenRotate) {
  Partitioner partitioner(0);
  const std::vector<int> all{0, 1, 2, 3};
  int first = partitioner.choose("t", std::nullopt, std::nullopt, 4, all);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(partitioner.choose("t", std::nullopt, std::nullopt, 4, all), first);
  // Closing a batch of another partition changes nothing.
  partitioner.onBatchClosed("t", (first + 1) % 4);
  EXPECT_EQ(partitioner.choose("t", std::nullopt, std::nullopt, 4, all), first);
  partitioner.onBatchClosed("t", first);
  EXPECT_EQ(partitioner.choose("t", std::nullopt, std::nullopt, 4, all), (first + 1) % 4);
}

TEST(Partitioner, KeylessBatchesSpreadEvenlyOverPartitions) {
  Partitioner partitioner(7);
  const std::vector<int> all{0, 1, 2, 3, 4};
  std::map<int, int> batches;
  for (int i = 0; i < 1000; ++i) {
    int p = partitioner.choose("t", std::nullopt, std::nullopt, 5, all);
    ++batches[p];
    partitioner.onBatchClosed("t", p);
  }
  ASSERT_EQ(batches.size(), 5u);
  for (const auto& [partition, count] : batches) EXPECT_EQ(count, 200) << partition;
}

TEST(Partitioner, KeylessMessagesAvoidReadOnlyPartitions) {
  Partitioner partitioner(0);
  std::map<int, int> seen;
  for (int i = 0; i < 100; ++i) {
    int p = partitioner.choose("t", std::nullopt, std::nullopt, 4, {1, 3});
    ++seen[p];
    partitioner.onBatchClosed("t", p);
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], 50);
  EXPECT_EQ(seen[3], 50);
}

TEST(Partitioner, KeylessMessagesAvoidAnUnavailablePartitionUntilItsTimeIsUp) {
  Partitioner partitioner(0);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  partitioner.avoid("t", 2, until);
  std::map<int, int> seen;
  for (int i = 0; i < 30; ++i) {
    int p = partitioner.choose("t", std::nullopt, std::nullopt, 3, {});
    ++seen[p];
    partitioner.onBatchClosed("t", p);
  }
  EXPECT_EQ(seen.count(2), 0u) << "partition 2 is left out while avoided";
  EXPECT_EQ(seen[0] + seen[1], 30);
  EXPECT_EQ(partitioner.choose("t", std::string("k"), std::nullopt, 3, {}), partitionForKey("k", 3))
      << "keys are not moved";
  std::this_thread::sleep_until(until + std::chrono::milliseconds(1));
  seen.clear();
  for (int i = 0; i < 30; ++i) {
    int p = partitioner.choose("t", std::nullopt, std::nullopt, 3, {});
    ++seen[p];
    partitioner.onBatchClosed("t", p);
  }
  EXPECT_EQ(seen[2], 10) << "back in the rotation once the time is up";
}

TEST(Partitioner, WhenEveryPartitionIsAvoidedKeylessMessagesStillGoSomewhere) {
  Partitioner partitioner(0);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  partitioner.avoid("t", 0, until);
  partitioner.avoid("t", 1, until);
  int p = partitioner.choose("t", std::nullopt, std::nullopt, 2, {});
  EXPECT_TRUE(p == 0 || p == 1);
}

TEST(Partitioner, TopicsHaveIndependentStickyPartitions) {
  Partitioner partitioner(0);
  int a = partitioner.choose("a", std::nullopt, std::nullopt, 4, {0, 1, 2, 3});
  partitioner.onBatchClosed("b", a);
  EXPECT_EQ(partitioner.choose("a", std::nullopt, std::nullopt, 4, {0, 1, 2, 3}), a);
}

TEST(Partitioner, StartingPartitionDependsOnTheSeed) {
  std::map<int, int> starts;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    Partitioner partitioner(seed);
    ++starts[partitioner.choose("t", std::nullopt, std::nullopt, 4, {0, 1, 2, 3})];
  }
  EXPECT_EQ(starts.size(), 4u);
}

}  // namespace
}  // namespace mq
