#include "metaserver/cluster/peer_clusters.h"

#include <fmt/format.h>

#include <chrono>

#include "common/clock.h"
#include "common/log.h"
#include "mq/client.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;

namespace mq {

PeerClusters::PeerClusters(const PeerClusterConfig& config, prometheus::Registry& registry)
    : up_(prometheus::BuildGauge()
              .Name("mq_metaserver_peer_cluster_up")
              .Help("1 when the peer cluster's metaserver answered the last check under its "
                    "configured name, 0 when it did not")
              .Register(registry)),
      task_("peer cluster check", std::chrono::milliseconds(config.check_interval_ms),
            [this] { checkAll(); }) {
  for (const auto& peer : config.peers) {
    PeerClusterStatus status;
    status.peer = peer;
    statuses_.push_back(std::move(status));
    up_.Add({{"peer", peer.name}}).Set(0);
  }
}

PeerClusters::~PeerClusters() { stop(); }

void PeerClusters::start() {
  if (!statuses_.empty()) task_.start();
}

void PeerClusters::stop() { task_.stop(); }

std::string PeerClusters::problemOf(const PeerCluster& peer) {
  ClientConfig config;
  config.metaserver = peer.metaserver;
  config.token = peer.token;
  config.tls = peer.tls;
  config.client_id = "mq-metaserver-peer-check";
  config.retries = 0;
  config.request_timeout_ms = 5000;
  try {
    AdminClient admin(config);
    const std::string name = admin.clusterName();
    if (name == peer.name) return "";
    return fmt::format("its metaserver says it is cluster `{}`, not `{}`", name, peer.name);
  } catch (const std::exception& e) {
    return e.what();
  }
}

void PeerClusters::checkAll() {
  std::vector<PeerCluster> peers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& status : statuses_) peers.push_back(status.peer);
  }
  for (size_t i = 0; i < peers.size(); ++i) {
    const std::string problem = problemOf(peers[i]);
    bool changed;
    {
      std::lock_guard lock(mutex_);
      auto& status = statuses_[i];
      changed = status.checked_at_ms == 0 || status.problem != problem;
      status.reachable = problem.empty();
      status.problem = problem;
      status.checked_at_ms = nowMs();
    }
    up_.Add({{"peer", peers[i].name}}).Set(problem.empty() ? 1 : 0);
    if (!changed) continue;
    if (problem.empty()) {
      logInfo("peer cluster reachable")
          .kv("peer", peers[i].name)
          .kv("metaserver", peers[i].metaserver);
    } else {
      logWarn("peer cluster not reachable")
          .kv("peer", peers[i].name)
          .kv("metaserver", peers[i].metaserver)
          .kv("problem", problem);
    }
  }
}

std::vector<PeerClusterStatus> PeerClusters::snapshot() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

}  // namespace mq
