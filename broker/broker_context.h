// What every RPC handler of the broker works with: configuration, the cached topology, the
// datanode pools, the datanode writers (group commit), the long-poll notifier, the metrics, the
// consumer-group coordinator, access control, the quotas and the idempotent producers'
// epochs.
#pragma once

#include <atomic>
#include <exception>
#include <string>

#include "broker/broker_config.h"
#include "broker/broker_metrics.h"
#include "broker/change_notifier.h"
#include "broker/datanode_pools.h"
#include "broker/datanode_writer.h"
#include "broker/group/group_coordinator.h"
#include "broker/log_end_watcher.h"
#include "broker/producer_epochs.h"
#include "broker/quota_enforcer.h"
#include "broker/topology_cache.h"
#include "common/errors.h"
#include "server/access_control.h"

namespace mq {

struct BrokerContext {
  const BrokerConfig& config;
  TopologyCache& topology;
  DatanodePools& pools;
  DatanodeWriters& writers;
  ChangeNotifier& notifier;
  LogEndWatcher& log_end_watcher;
  BrokerMetrics& metrics;
  GroupCoordinator& groups;
  MetaStore& meta;
  std::atomic<bool>& shutting_down;
  AccessControl& access;
  QuotaEnforcer& quotas;
  ProducerEpochs& producer_epochs;
};

// A per-partition failure: the code and message that go into a partition result.
struct PartitionFailure {
  ErrorCode code;
  std::string message;
};

// Classifies an exception raised while serving one partition: MqError as is; database
// errors as DATANODE_UNAVAILABLE (retriable) when the datanode is unreachable or busy,
// UNKNOWN_TOPIC when the partition's table is gone, UNKNOWN otherwise. Counts datanode
// errors in the metrics.
PartitionFailure classifyPartitionFailure(BrokerContext& context, std::exception_ptr error,
                                          const std::string& topic, int partition, int datanode_id);

}  // namespace mq
