// MetaService.clusterName: the cluster's identity (its configured cluster-name), which
// mirrors and `mqctl cluster info` read; MetaService.listPeerClusters: the peer clusters
// this metaserver is configured with and their last check (docs/multi-cluster.md).
#include "metaserver/rpc/meta_service_handler.h"

namespace mq {

void MetaServiceHandler::clusterName(std::string& result, const rpc::RequestHeader& header) {
  serve("clusterName", header, [&] { result = cluster_name_; });
}

void MetaServiceHandler::listPeerClusters(std::vector<rpc::PeerClusterInfo>& result,
                                          const rpc::RequestHeader& header) {
  serve("listPeerClusters", header, [&] {
    result.clear();
    for (const auto& status : peers_.snapshot()) {
      rpc::PeerClusterInfo info;
      info.name = status.peer.name;
      info.metaserver = status.peer.metaserver;
      info.tls = status.peer.tls.enabled;
      info.token = !status.peer.token.empty();
      info.reachable = status.reachable;
      info.problem = status.problem;
      info.checked_at_ms = status.checked_at_ms;
      result.push_back(std::move(info));
    }
  });
}

}  // namespace mq
