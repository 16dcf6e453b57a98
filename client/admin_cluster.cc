// mq::AdminClient::clusterName and listPeerClusters (MetaService): the cluster's name and
// its peer clusters, for mqctl and the mirror (docs/multi-cluster.md). Reads, so retried.
#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "mq/client.h"

namespace mq::client {

std::string AdminClient::clusterName() {
  auto header = impl_->header();
  std::string name;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.clusterName(name, header); }, true);
  return name;
}

std::vector<PeerClusterInfo> AdminClient::listPeerClusters() {
  auto header = impl_->header();
  std::vector<rpc::PeerClusterInfo> peers;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listPeerClusters(peers, header); }, true);
  return fromWire(peers);
}

}  // namespace mq::client
