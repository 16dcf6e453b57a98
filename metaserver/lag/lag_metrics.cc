#include "metaserver/lag/lag_metrics.h"

#include <prometheus/metric_family.h>

#include <algorithm>
#include <string>

#include "metaserver/lag/lag_collector.h"

namespace mq {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily family(const char* name, const char* help,
                                prometheus::MetricType type = prometheus::MetricType::Gauge) {
  return prometheus::MetricFamily{name, help, type, {}};
}

void addGauge(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

void addCounter(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> LagMetrics::Collect() const {
  const auto stats = collector_.stats();
  const auto snapshot = collector_.snapshot();
  std::vector<prometheus::MetricFamily> families;

  auto active = family("mq_lag_collector_active",
                       "1 when this metaserver holds the lag collector lease, else 0.");
  addGauge(active, {}, stats.active ? 1 : 0);
  auto cycle = family("mq_lag_collector_cycle_seconds",
                      "Duration of the last lag collector cycle (lease, lag, statuses, alerts).");
  addGauge(cycle, {}, stats.last_cycle_seconds);
  auto queries =
      family("mq_lag_collector_cycle_queries", "SQL statements run by the last collector cycle.");
  addGauge(queries, {}, stats.last_queries);
  auto cycles = family("mq_lag_collector_cycles_total",
                       "Lag collector cycles run as the active collector, by result.",
                       prometheus::MetricType::Counter);
  addCounter(cycles, {{"result", "ok"}}, static_cast<double>(stats.cycles));
  addCounter(cycles, {{"result", "error"}}, static_cast<double>(stats.failed_cycles));
  families.push_back(std::move(active));
  families.push_back(std::move(cycle));
  families.push_back(std::move(queries));
  families.push_back(std::move(cycles));
  if (!snapshot) return families;

  auto lag = family("mq_consumer_group_lag",
                    "Messages the group has not consumed yet: log end minus committed offset.");
  auto lag_seconds = family("mq_consumer_group_lag_seconds",
                            "Age of the group's first unconsumed message in seconds (0 when "
                            "caught up).");
  auto committed = family("mq_consumer_group_committed_offset",
                          "The group's committed offset (the next offset it will consume).");
  auto partition_status = family("mq_consumer_group_partition_status",
                                 "Partition lag status: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.");
  auto group_status = family("mq_consumer_group_status",
                             "Group lag status (worst partition): 1 OK, 2 WARN, 3 ERR.");
  auto members = family("mq_consumer_group_members", "Members that joined the group.");
  auto never_committed =
      family("mq_consumer_group_partitions_never_committed",
             "Partitions of the group's topics it has no committed offset on; their lag counts "
             "every stored message.");
  for (const auto& [id, group] : snapshot->groups) {
    addGauge(group_status, {{"group", id}}, static_cast<int>(group.status));
    addGauge(members, {{"group", id}}, group.members);
    addGauge(
        never_committed, {{"group", id}},
        static_cast<double>(std::count_if(group.partitions.begin(), group.partitions.end(),
                                          [](const auto& p) { return p.committed_offset < 0; })));
    for (const auto& p : group.partitions) {
      Labels labels{{"group", id}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}};
      addGauge(lag, labels, static_cast<double>(p.lag));
      addGauge(lag_seconds, labels, p.lag_seconds);
      addGauge(partition_status, labels, static_cast<int>(p.status));
      if (p.committed_offset >= 0) {
        addGauge(committed, labels, static_cast<double>(p.committed_offset));
      }
    }
  }
  auto start = family("mq_partition_start_offset", "Earliest offset still stored.");
  auto end = family("mq_partition_end_offset", "Log end: the next offset to be written.");
  for (const auto& p : snapshot->partitions) {
    Labels labels{{"topic", p.topic}, {"partition", std::to_string(p.partition)}};
    addGauge(start, labels, static_cast<double>(p.start_offset));
    addGauge(end, labels, static_cast<double>(p.end_offset));
  }
  for (auto* f : {&lag, &lag_seconds, &committed, &partition_status, &group_status, &members,
                  &never_committed, &start, &end}) {
    families.push_back(std::move(*f));
  }
  return families;
}

}  // namespace mq
