#include "broker/group_gather.h"

#include <algorithm>

namespace mq {

void GroupGather::groupEnded(size_t answered, size_t queued, Clock::duration duration,
                             Clock::time_point now) {
  target_ = 0;
  const size_t callers = answered + queued;
  if (window_.count() == 0 || answered == 0 || callers < 2 || callers > kMaxTarget) return;
  if (skip_ > 0) {
    --skip_;
    return;
  }
  target_ = callers;
  deadline_ = now + std::min<Clock::duration>(window_, duration);
}

void GroupGather::groupStarts(size_t queued) {
  if (target_ == 0) return;
  if (queued >= target_) {
    backoff_ = 0;
  } else {
    backoff_ = std::min(kMaxBackoff, std::max(1, backoff_ * 2));
    skip_ = backoff_;
  }
  target_ = 0;
}

}  // namespace mq
