// mq::AdminClient::clusterName (MetaService clusterName): the cluster's name, for mqctl and
// the mirror (docs/multi-cluster.md). A read, so it is retried.
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

std::string AdminClient::clusterName() {
  auto header = metaHeader();
  std::string name;
  metaCall([&](rpc::MetaServiceClient& c) { c.clusterName(name, header); }, true);
  return name;
}

}  // namespace mq
