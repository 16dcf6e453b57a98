#include "metaserver/cluster_gauges.h"

namespace mq {

ClusterGauges::ClusterGauges(MetaStore& meta, MetaMetrics& metrics, int64_t broker_timeout_ms)
    : meta_(meta),
      metrics_(metrics),
      broker_timeout_ms_(broker_timeout_ms),
      task_("cluster gauges", std::chrono::seconds(5), [this] { sampleOnce(); }) {}

void ClusterGauges::sampleOnce() {
  metrics_.setLiveBrokers(static_cast<double>(meta_.liveBrokers(broker_timeout_ms_).size()));
  const int64_t version = meta_.topologyVersion();
  if (version != seen_version_) {
    auto topology = meta_.loadTopology();
    metrics_.setTopics(static_cast<double>(topology.topics.size()));
    seen_version_ = topology.version;  // the version this count belongs to
  }
}

}  // namespace mq
