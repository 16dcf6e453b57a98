// One connection pool per datanode, created on first use from the cached topology. A
// datanode whose address changes gets a fresh pool; a datanode that is down fails only the
// requests for its partitions. A fenced datanode (failing over to its replica) is not used
// at all: its requests fail with the retriable DATANODE_UNAVAILABLE.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "broker/topology_cache.h"
#include "common/db_pool.h"

namespace mq {

class DatanodePools {
 public:
  DatanodePools(TopologyCache& topology, int pool_size);

  // The pool of datanode `id`. Throws MqError DATANODE_UNAVAILABLE if the id is unknown or
  // the datanode is fenced.
  std::shared_ptr<DbPool> pool(int datanode_id);

  // The topology version this broker serves, reported in its heartbeat: the cached version
  // once no connection to a datanode fenced in it is in use any more (their pools are
  // closed then), else the version reported before. The metaserver's failover waits for it.
  int64_t servedVersion();

  // (datanode id, connections in use, connections open) for metrics.
  struct Usage {
    int datanode_id;
    int in_use;
    int open;
  };
  std::vector<Usage> usage() const;

 private:
  TopologyCache& topology_;
  const int pool_size_;
  mutable std::mutex mutex_;
  std::map<int, std::shared_ptr<DbPool>> pools_;
  int64_t served_version_ = 0;  // guarded by mutex_
};

}  // namespace mq
