// The batches an idempotent producer's retries are matched against (storage/producer_batches.h).
#include "storage/producer_batches.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(RetainedBatches, KeepsTheFiveNewestAndFindsEachBySequenceAndCount) {
  RetainedBatches batches;
  for (int i = 0; i < 7; ++i) batches.push(AppendedBatch{i * 10, 10, 100 + i * 50});
  ASSERT_EQ(batches.batches().size(), kRetainedBatches);
  EXPECT_EQ(batches.newest()->sequence, 60);
  for (int i = 2; i < 7; ++i) {
    auto found = batches.find(i * 10, 10);
    ASSERT_TRUE(found) << i;
    EXPECT_EQ(found->base_offset, 100 + i * 50);
  }
  EXPECT_FALSE(batches.find(10, 10)) << "the sixth newest is forgotten";
  EXPECT_FALSE(batches.find(60, 9)) << "a different count is a different batch";
}

TEST(RetainedBatches, EarlierBatchesRoundTripThroughTheirColumn) {
  RetainedBatches batches;
  for (int i = 0; i < 5; ++i) batches.push(AppendedBatch{i, 1, int64_t{1} << (40 + i)});
  const std::string earlier = batches.encodeEarlier();
  EXPECT_EQ(earlier.find("4:"), std::string::npos) << "the newest has its own columns";
  auto decoded = RetainedBatches::decode(*batches.newest(), earlier);
  ASSERT_EQ(decoded.batches().size(), 5u);
  for (int i = 0; i < 5; ++i) {
    auto found = decoded.find(i, 1);
    ASSERT_TRUE(found) << i;
    EXPECT_EQ(found->base_offset, int64_t{1} << (40 + i));
  }
  EXPECT_EQ(RetainedBatches::decode(*batches.newest(), "").batches().size(), 1u)
      << "rows written before the column existed";
}

TEST(RetainedBatches, DecodingSkipsWhatDoesNotParse) {
  const AppendedBatch newest{9, 1, 90};
  auto decoded =
      RetainedBatches::decode(newest, "8:1:80 garbage 7:x:70 6:0:60 5:1:50 4:1:40 3:1:30 2:1:20");
  // 8, 5, 4, 3 and 2 parse; "garbage", a non-number and a zero count do not; five at most.
  ASSERT_EQ(decoded.batches().size(), 5u);
  EXPECT_TRUE(decoded.find(8, 1));
  EXPECT_FALSE(decoded.find(7, 1));
  EXPECT_FALSE(decoded.find(6, 0));
  EXPECT_TRUE(decoded.find(3, 1));
  EXPECT_FALSE(decoded.find(2, 1)) << "beyond five";
}

}  // namespace
}  // namespace mq
