#include "client/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace mq::client {
namespace {

// The exact nearest-rank percentile of `values`.
int64_t exactPercentile(std::vector<int64_t> values, double q) {
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  rank = std::max<size_t>(rank, 1);
  return values[rank - 1];
}

TEST(HistogramTest, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.percentile(0.999), 0);
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (int64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_EQ(h.percentile(0.5), 50);
  EXPECT_EQ(h.percentile(0.99), 99);
  EXPECT_EQ(h.percentile(1.0), 100);
  EXPECT_EQ(h.percentile(0.0), 1);
}

TEST(HistogramTest, NegativeValuesCountAsZero) {
  Histogram h;
  h.record(-5);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.percentile(0.5), 0);
}

TEST(HistogramTest, BucketsCoverEveryValueContiguously) {
  // Each bucket starts right after the previous one ends, and bucketOf agrees with both ends.
  for (int b = 0; b + 1 < Histogram::kBuckets; ++b) {
    const int64_t low = Histogram::bucketLowest(b);
    const int64_t high = Histogram::bucketHighest(b);
    ASSERT_LE(low, high) << "bucket " << b;
    ASSERT_EQ(Histogram::bucketOf(low), b);
    ASSERT_EQ(Histogram::bucketOf(high), b);
    if (high == std::numeric_limits<int64_t>::max()) break;
    ASSERT_EQ(Histogram::bucketLowest(b + 1), high + 1) << "bucket " << b;
  }
  EXPECT_LT(Histogram::bucketOf(std::numeric_limits<int64_t>::max()), Histogram::kBuckets);
}

TEST(HistogramTest, BucketWidthIsWithinTheRelativeErrorBound) {
  for (int64_t v : {128LL, 1000LL, 12345LL, 1000000LL, 987654321LL, 1LL << 40}) {
    const int b = Histogram::bucketOf(v);
    const double width = Histogram::bucketHighest(b) - Histogram::bucketLowest(b) + 1;
    EXPECT_LE(width / static_cast<double>(Histogram::bucketLowest(b)), 1.0 / Histogram::kSubBuckets)
        << v;
  }
}

TEST(HistogramTest, PercentilesOfRandomSamplesAreWithinOnePointSixPercent) {
  std::mt19937_64 random(42);
  // Log-normal-ish latencies in microseconds: 100 us .. ~1 s.
  std::lognormal_distribution<double> latency(7.0, 1.5);
  std::vector<int64_t> values;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    int64_t v = static_cast<int64_t>(latency(random));
    values.push_back(v);
    h.record(v);
  }
  for (double q : {0.5, 0.9, 0.99, 0.999, 1.0}) {
    const double exact = static_cast<double>(exactPercentile(values, q));
    const double reported = static_cast<double>(h.percentile(q));
    EXPECT_GE(reported, exact) << "q=" << q;  // the bucket's top: never below the truth
    EXPECT_LE(reported, exact * (1.0 + 1.0 / Histogram::kSubBuckets) + 1) << "q=" << q;
  }
  EXPECT_EQ(h.percentile(1.0), *std::max_element(values.begin(), values.end()));
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (int64_t v = 0; v < 5000; v += 7) {
    a.record(v);
    all.record(v);
  }
  for (int64_t v = 3; v < 900000; v += 913) {
    b.record(v);
    all.record(v);
  }
  Histogram merged;
  merged.merge(a);
  merged.merge(b);
  merged.merge(Histogram());  // merging an empty one changes nothing
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double q : {0.1, 0.5, 0.99, 0.999}) EXPECT_EQ(merged.percentile(q), all.percentile(q));
}

TEST(HistogramTest, SinceAnEarlierCopyHoldsOnlyTheLaterSamples) {
  Histogram cumulative, later;
  for (int64_t v = 0; v < 100000; v += 11) cumulative.record(v);  // the first window
  const Histogram earlier = cumulative;
  for (int64_t v = 200000; v < 400000; v += 13) {  // the second window, all above the first
    cumulative.record(v);
    later.record(v);
  }
  const Histogram window = cumulative.since(earlier);
  EXPECT_EQ(window.count(), later.count());
  EXPECT_DOUBLE_EQ(window.mean(), later.mean());
  for (double q : {0.01, 0.5, 0.99, 1.0}) EXPECT_EQ(window.percentile(q), later.percentile(q));
  EXPECT_EQ(cumulative.since(cumulative).count(), 0u);  // nothing recorded since itself
  EXPECT_EQ(cumulative.since(cumulative).percentile(0.99), 0);
}

TEST(HistogramTest, ResetEmptiesTheHistogram) {
  Histogram h;
  h.record(77);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0);
}

}  // namespace
}  // namespace mq::client
