// A latency histogram with log-linear buckets (the HdrHistogram layout): fixed memory, O(1)
// record, and percentiles within 1/64 (1.6 %) of the true value, so a benchmark can keep
// millions of samples without storing them: the Producer's stage statistics
// (client/producer_stages.h) and mq-perf's latencies.
//
// Values are non-negative integers in any unit (both record microseconds). Values below
// 128 have a bucket each (exact); above, every power-of-two range [2^k, 2^(k+1)) is split
// into 64 equal buckets.
#pragma once

#include <array>
#include <cstdint>

namespace mq::client {

class Histogram {
 public:
  // Sub-buckets per power of two: the relative error bound is 1 / kSubBuckets.
  static constexpr int kSubBucketBits = 6;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kBuckets = 2 * kSubBuckets + (63 - kSubBucketBits) * kSubBuckets;

  // Adds one sample; negative values count as 0. Not thread-safe.
  void record(int64_t value);
  // Adds every sample of `other`.
  void merge(const Histogram& other);
  // The samples recorded since `earlier`, an earlier copy of this histogram: a window of a
  // cumulative histogram (e.g. the last second's). Its min() is the lower edge of its lowest
  // non-empty bucket, its max() the upper edge of its highest (at most this one's max()).
  Histogram since(const Histogram& earlier) const;
  void reset() { *this = Histogram(); }

  uint64_t count() const { return count_; }
  // 0 when empty.
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }

  // The value at quantile q (0..1) by nearest rank: the smallest recorded value v such that
  // at least q * count() samples are <= v, reported as the highest value of v's bucket and
  // clamped to [min(), max()]. So percentile(1.0) == max() and values below 128 are exact.
  // Returns 0 when empty.
  int64_t percentile(double q) const;

  // Bucket arithmetic, exposed for tests.
  static int bucketOf(int64_t value);
  static int64_t bucketLowest(int bucket);
  static int64_t bucketHighest(int bucket);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  // Sum of samples; 2^63 microseconds is ample for any run.
  int64_t sum_ = 0;
};

}  // namespace mq::client
