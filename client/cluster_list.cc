#include "client/cluster_list.h"

#include <fmt/format.h>

#include <set>

#include "client/error.h"

namespace mq::client {

void validateClusterList(const ClientConfig& config) {
  if (!config.bootstrap_brokers.empty() || !config.metaserver.empty()) {
    throw invalidConfig(
        "set either clusters or bootstrap_brokers/metaserver, not both (each cluster of "
        "`clusters` has its own)");
  }
  std::set<std::string> names;
  for (const auto& cluster : config.clusters) {
    if (cluster.name.empty() || cluster.name.size() > 64) {
      throw invalidConfig(
          fmt::format("clusters: a name must be 1..64 characters (is `{}`)", cluster.name));
    }
    if (!names.insert(cluster.name).second) {
      throw invalidConfig(fmt::format("clusters: `{}` is listed twice", cluster.name));
    }
    if (cluster.bootstrap_brokers.empty() && cluster.metaserver.empty()) {
      throw invalidConfig(fmt::format(
          "clusters: `{}` has neither bootstrap_brokers nor a metaserver", cluster.name));
    }
  }
  auto positive = [](int64_t value, const char* name) {
    if (value <= 0) throw invalidConfig(fmt::format("{} must be > 0 (is {})", name, value));
  };
  positive(config.cluster_failover_ms, "cluster_failover_ms");
  positive(config.cluster_failback_ms, "cluster_failback_ms");
  positive(config.cluster_probe_interval_ms, "cluster_probe_interval_ms");
}

}  // namespace mq::client
