#include "metaserver/datanodes/failover_metrics.h"

namespace mq {
namespace {

prometheus::Family<prometheus::Gauge>& gaugeFamily(prometheus::Registry& registry,
                                                   const std::string& name,
                                                   const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

FailoverMetrics::FailoverMetrics(prometheus::Registry& registry)
    : primary_up_(gaugeFamily(registry, "mq_datanode_primary_up",
                              "1 when the last health check of the datanode's primary answered.")),
      semi_sync_(gaugeFamily(registry, "mq_datanode_semi_sync",
                             "1 while the datanode primary's commits wait for a replica "
                             "(Rpl_semi_sync_master_status ON); 0 when off or fallen back to "
                             "asynchronous replication.")),
      semi_sync_replicas_(gaugeFamily(registry, "mq_datanode_semi_sync_replicas",
                                      "Replicas acknowledging the primary's commits "
                                      "(Rpl_semi_sync_master_clients).")),
      failovers_(prometheus::BuildCounter()
                     .Name("mq_datanode_failovers_total")
                     .Help("Automatic datanode failovers, by result (ok, error).")
                     .Register(registry)),
      detection_seconds_(gaugeFamily(registry, "mq_datanode_failover_detection_seconds",
                                     "Last automatic failover: from the first failed check of "
                                     "the primary to the failover's start.")),
      failover_seconds_(gaugeFamily(registry, "mq_datanode_failover_seconds",
                                    "Last automatic failover: from its start until the datanode "
                                    "pointed at the promoted replica.")),
      active_(prometheus::BuildGauge()
                  .Name("mq_datanode_failover_active")
                  .Help("1 while this metaserver holds the failover watchdog lease.")
                  .Register(registry)
                  .Add({})) {}

void FailoverMetrics::primaryChecked(const std::string& datanode, bool up, bool semi_sync,
                                     int semi_sync_replicas) {
  primary_up_.Add({{"datanode", datanode}}).Set(up ? 1 : 0);
  if (!up) return;
  semi_sync_.Add({{"datanode", datanode}}).Set(semi_sync ? 1 : 0);
  semi_sync_replicas_.Add({{"datanode", datanode}}).Set(semi_sync_replicas);
}

void FailoverMetrics::failover(const std::string& datanode, bool ok, double detection_seconds,
                               double seconds) {
  failovers_.Add({{"datanode", datanode}, {"result", ok ? "ok" : "error"}}).Increment();
  detection_seconds_.Add({{"datanode", datanode}}).Set(detection_seconds);
  if (ok) failover_seconds_.Add({{"datanode", datanode}}).Set(seconds);
}

}  // namespace mq
