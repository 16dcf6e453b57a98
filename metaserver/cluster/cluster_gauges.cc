#include "metaserver/cluster/cluster_gauges.h"

namespace mq {

ClusterGauges::ClusterGauges(MetaStore& meta, MetaMetrics& metrics, KnownBrokers& brokers)
    : meta_(meta),
      metrics_(metrics),
      brokers_(brokers),
      task_("cluster gauges", std::chrono::seconds(5), [this] { sampleOnce(); }) {}

void ClusterGauges::sampleOnce() {
  const auto live = meta_.liveBrokers(brokers_.brokerTimeoutMs());
  brokers_.remember(live);
  metrics_.setLiveBrokers(static_cast<double>(live.size()));
  const int64_t version = meta_.topologyVersion();
  if (version != seen_version_) {
    auto topology = meta_.loadTopology();
    metrics_.setTopics(static_cast<double>(topology.topics.size()));
    seen_version_ = topology.version;  // the version this count belongs to
  }
}

}  // namespace mq
