// One connection pool per datanode, created on first use from the cached topology. A
// datanode whose address changes gets a fresh pool; a datanode that is down fails only the
// requests for its partitions. A fenced datanode (failing over to its replica) is not used
// at all: its requests fail with the retriable DATANODE_UNAVAILABLE.
//
// Writes are fenced by the datanode's epoch (docs/operations.md, "Automatic failover"): a
// write starts under the epoch of the cached topology and is acknowledged only if, once it
// committed, the datanode is still at that epoch and not fenced; for a datanode with
// automatic failover the cached topology must also have been confirmed with the metadata
// database within kDatanodeWriteLeaseMs, before and after the write. So once the metaserver
// fenced a datanode and waited out that lease, no broker acknowledges a write to its old
// primary, even one that missed the fence or resumes after a pause.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "broker/topology_cache.h"
#include "storage/db_pool.h"

namespace mq {

class DatanodePools {
 public:
  DatanodePools(TopologyCache& topology, int pool_size);

  // The pool of datanode `id`. Throws MqError DATANODE_UNAVAILABLE if the id is unknown or
  // the datanode is fenced.
  std::shared_ptr<DbPool> pool(int datanode_id);

  // For a write: the pool and the epoch it is written under. Throws as pool(), and
  // DATANODE_UNAVAILABLE when the datanode has automatic failover and the topology was not
  // confirmed within the write lease.
  struct WriteGrant {
    std::shared_ptr<DbPool> pool;
    int64_t epoch = 0;
  };
  WriteGrant poolForWrite(int datanode_id);
  // After the write committed: throws DATANODE_UNAVAILABLE (retriable; the write may be
  // stored, so a retry may duplicate it unless the producer is idempotent) when the
  // datanode was fenced, its epoch moved since `grant`, or the write lease ran out.
  void confirmWrite(int datanode_id, const WriteGrant& grant);

  // The topology version this broker serves, reported in its heartbeat: the cached version.
  // Pools of datanodes fenced in it are dropped (requests still running on them finish,
  // but confirmWrite refuses to acknowledge them). The metaserver's failover waits for it.
  int64_t servedVersion();

  // (datanode id, connections in use, connections open) for metrics.
  struct Usage {
    int datanode_id;
    int in_use;
    int open;
  };
  std::vector<Usage> usage() const;

 private:
  // The cached topology was confirmed within the write lease.
  bool leaseHeld() const;

  TopologyCache& topology_;
  const int pool_size_;
  mutable std::mutex mutex_;
  std::map<int, std::shared_ptr<DbPool>> pools_;
  int64_t served_version_ = 0;  // guarded by mutex_
};

}  // namespace mq
