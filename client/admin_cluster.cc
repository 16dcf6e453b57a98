// mq::AdminClient::clusterName and listPeerClusters (MetaService): the cluster's name and
// its peer clusters, for mqctl and the mirror (docs/multi-cluster.md). Reads, so retried.
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

std::string AdminClient::clusterName() {
  auto header = metaHeader();
  std::string name;
  metaCall([&](rpc::MetaServiceClient& c) { c.clusterName(name, header); }, true);
  return name;
}

std::vector<rpc::PeerClusterInfo> AdminClient::listPeerClusters() {
  auto header = metaHeader();
  std::vector<rpc::PeerClusterInfo> peers;
  metaCall([&](rpc::MetaServiceClient& c) { c.listPeerClusters(peers, header); }, true);
  return peers;
}

}  // namespace mq
