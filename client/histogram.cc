#include "client/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mq::client {

int Histogram::bucketOf(int64_t value) {
  if (value < 2 * kSubBuckets) return static_cast<int>(std::max<int64_t>(value, 0));
  const int msb = 63 - __builtin_clzll(static_cast<uint64_t>(value));
  const int shift = msb - kSubBucketBits;                 // >= 1
  const int mantissa = static_cast<int>(value >> shift);  // kSubBuckets .. 2*kSubBuckets-1
  return 2 * kSubBuckets + (shift - 1) * kSubBuckets + (mantissa - kSubBuckets);
}

int64_t Histogram::bucketLowest(int bucket) {
  if (bucket < 2 * kSubBuckets) return bucket;
  const int shift = (bucket - 2 * kSubBuckets) / kSubBuckets + 1;
  const uint64_t mantissa = (bucket - 2 * kSubBuckets) % kSubBuckets + kSubBuckets;
  return static_cast<int64_t>(mantissa << shift);
}

int64_t Histogram::bucketHighest(int bucket) {
  if (bucket < 2 * kSubBuckets) return bucket;
  const int shift = (bucket - 2 * kSubBuckets) / kSubBuckets + 1;
  const uint64_t mantissa = (bucket - 2 * kSubBuckets) % kSubBuckets + kSubBuckets;
  const uint64_t highest = ((mantissa + 1) << shift) - 1;
  return static_cast<int64_t>(std::min<uint64_t>(highest, std::numeric_limits<int64_t>::max()));
}

void Histogram::record(int64_t value) {
  value = std::max<int64_t>(value, 0);
  ++counts_[bucketOf(value)];
  min_ = count_ ? std::min(min_, value) : value;
  max_ = std::max(max_, value);
  sum_ += value;
  ++count_;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

Histogram Histogram::since(const Histogram& earlier) const {
  Histogram window;
  for (int i = 0; i < kBuckets; ++i) {
    const uint64_t added = counts_[i] - std::min(counts_[i], earlier.counts_[i]);
    if (added == 0) continue;
    if (window.count_ == 0) window.min_ = bucketLowest(i);
    window.max_ = bucketHighest(i);
    window.counts_[i] = added;
    window.count_ += added;
  }
  window.max_ = std::min(window.max_, max_);
  window.sum_ = sum_ - earlier.sum_;
  return window;
}

int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucketHighest(i), min_, max_);
  }
  return max_;
}

}  // namespace mq::client
