#include "common/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace mq {

TokenBucket::TokenBucket(double rate, double burst, int64_t now_us)
    : rate_(rate), burst_(burst), tokens_(burst), last_us_(now_us) {}

void TokenBucket::refill(int64_t now_us) {
  if (now_us <= last_us_) return;
  tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_us - last_us_) / 1e6);
  last_us_ = now_us;
}

double TokenBucket::tokens(int64_t now_us) {
  refill(now_us);
  return tokens_;
}

int64_t TokenBucket::debtWait(int64_t now_us) {
  refill(now_us);
  if (tokens_ >= 0) return 0;
  return static_cast<int64_t>(std::ceil(-tokens_ / rate_ * 1e6));
}

int64_t TokenBucket::take(double amount, int64_t now_us) {
  refill(now_us);
  tokens_ -= amount;
  return debtWait(now_us);
}

void TokenBucket::reconfigure(double rate, double burst, int64_t now_us) {
  refill(now_us);
  rate_ = rate;
  burst_ = burst;
  tokens_ = std::min(tokens_, burst_);
}

}  // namespace mq
