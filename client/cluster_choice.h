// Which cluster of ClientConfig::clusters a failover producer sends to, from the probes of
// every cluster's brokers (pure logic, no I/O; client/cluster_failover_producer.cc probes).
//
// Rules, over clusters in order of preference (0 first), starting at cluster 0:
// - the cluster in use has failed every probe for `failover_after`: move to the first other
//   cluster whose last probe succeeded (none: stay, and keep checking);
// - a cluster before the one in use has passed every probe for `failback_after`: move back to
//   it (the first such one).
// A cluster never probed counts as neither up nor down.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "common/clock.h"

namespace mq::client {

class ClusterChoice {
 public:
  ClusterChoice(size_t clusters, std::chrono::milliseconds failover_after,
                std::chrono::milliseconds failback_after);

  // Records one probe of cluster `i` at `now`.
  void record(size_t i, bool answered, SteadyClock::time_point now);
  // Applies the rules at `now`; returns the cluster to use (maybe the same as before).
  size_t choose(SteadyClock::time_point now);
  size_t current() const { return current_; }

 private:
  struct Health {
    bool up = false;
    std::optional<SteadyClock::time_point> since;  // start of the current run of probes
  };

  std::chrono::milliseconds failover_after_;
  std::chrono::milliseconds failback_after_;
  std::vector<Health> health_;
  size_t current_ = 0;
};

}  // namespace mq::client
