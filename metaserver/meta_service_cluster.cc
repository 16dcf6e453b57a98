// MetaService.clusterName: the cluster's identity (its configured cluster-name), which
// mirrors and `mqctl cluster info` read (docs/multi-cluster.md).
#include "metaserver/meta_service_handler.h"

namespace mq {

void MetaServiceHandler::clusterName(std::string& result, const rpc::RequestHeader& header) {
  serve("clusterName", header, [&] { result = cluster_name_; });
}

}  // namespace mq
