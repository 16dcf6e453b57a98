#include "client/cluster_choice.h"

namespace mq::client {

ClusterChoice::ClusterChoice(size_t clusters, std::chrono::milliseconds failover_after,
                             std::chrono::milliseconds failback_after)
    : failover_after_(failover_after), failback_after_(failback_after), health_(clusters) {}

void ClusterChoice::record(size_t i, bool answered, SteadyClock::time_point now) {
  Health& health = health_.at(i);
  if (!health.since || health.up != answered) {
    health.up = answered;
    health.since = now;
  }
}

size_t ClusterChoice::choose(SteadyClock::time_point now) {
  for (size_t i = 0; i < current_; ++i) {
    const Health& health = health_[i];
    if (health.since && health.up && now - *health.since >= failback_after_) {
      current_ = i;
      return current_;
    }
  }
  const Health& in_use = health_[current_];
  if (in_use.since && !in_use.up && now - *in_use.since >= failover_after_) {
    for (size_t i = 0; i < health_.size(); ++i) {
      if (i != current_ && health_[i].since && health_[i].up) {
        current_ = i;
        break;
      }
    }
  }
  return current_;
}

}  // namespace mq::client
