// Moves delayed messages into their partitions once due. Every broker runs one; movers on
// several brokers are safe together: each move locks the partition's row and deletes what
// it moved in the same transaction (PartitionStore::moveDueMessages). A message is
// visible at most one poll interval (plus the move itself) after its delivery time.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "broker/broker_metrics.h"
#include "broker/change_notifier.h"
#include "broker/datanode_pools.h"
#include "broker/topology_cache.h"

namespace mq {

class DelayMover {
 public:
  DelayMover(TopologyCache& topology, DatanodePools& pools, ChangeNotifier& notifier,
             BrokerMetrics& metrics, int64_t poll_ms);
  ~DelayMover();
  void start();
  void stop();
  // One pass over every datanode; returns the number of messages moved.
  int64_t moveOnce();

 private:
  void loop();

  TopologyCache& topology_;
  DatanodePools& pools_;
  ChangeNotifier& notifier_;
  BrokerMetrics& metrics_;
  const int64_t poll_ms_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq
