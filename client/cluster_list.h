// ClientConfig::clusters (client cluster failover, docs/multi-cluster.md): the checks of the
// list, and one cluster's own configuration, shared by the failover producer and the
// consumer that follows it.
#pragma once

#include "mq/client.h"

namespace mq::client {

// Throws Error(INVALID_CONFIG) naming the problem: bootstrap_brokers or metaserver set
// beside the list, a name empty, too long or listed twice, a cluster without addresses, a
// non-positive cluster_* interval.
void validateClusterList(const ClientConfig& config);

// `config` for the one cluster `address`: its addresses and token (ClientConfig::token when
// it has none), no list.
template <class Config>
Config memberOf(const Config& config, const ClusterAddress& address) {
  Config member = config;
  member.clusters.clear();
  member.bootstrap_brokers = address.bootstrap_brokers;
  member.metaserver = address.metaserver;
  if (!address.token.empty()) member.token = address.token;
  return member;
}

}  // namespace mq::client
