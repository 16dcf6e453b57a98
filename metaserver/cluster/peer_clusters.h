// The peer clusters this metaserver knows (peer-cluster options; docs/multi-cluster.md) and
// whether each one answers: every peer-check-interval each peer's metaserver is asked for its
// name (MetaService.clusterName, with the peer's token and TLS settings). A peer is
// reachable when it answers with the name it is configured under. Every metaserver checks
// (no lease: a check is one read on another cluster).
//   mq_metaserver_peer_cluster_up{peer}   1 when the last check reached it under its name
// Thread-safe.
#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "metaserver/cluster/peer_cluster_config.h"
#include "metaserver/periodic_task.h"

namespace mq {

struct PeerClusterStatus {
  PeerCluster peer;
  bool reachable = false;
  std::string problem;        // why not; "" when reachable or not checked yet
  int64_t checked_at_ms = 0;  // when the last check ended; 0 = not yet
};

class PeerClusters {
 public:
  PeerClusters(const PeerClusterConfig& config, prometheus::Registry& registry);
  ~PeerClusters();  // stop()

  // Starts checking in the background (the first check at once); stop() joins.
  void start();
  void stop();
  // Checks every peer once, now (what the background thread does each interval).
  void checkAll();

  // Every configured peer in configuration order, with its last check.
  std::vector<PeerClusterStatus> snapshot() const;

 private:
  // Asks the peer's metaserver its name; "" when it answered with `peer.name`.
  static std::string problemOf(const PeerCluster& peer);

  mutable std::mutex mutex_;
  std::vector<PeerClusterStatus> statuses_;
  prometheus::Family<prometheus::Gauge>& up_;
  PeriodicTask task_;
};

}  // namespace mq
