// The broker's cached view of the cluster topology (topics, partitions, datanodes, live
// brokers). A background thread re-reads the metadata database when its topology version
// changes; while that database is unreachable the last good copy keeps produce and fetch
// working (PMQ's rule, kept).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/topology.h"
#include "storage/meta_store.h"

namespace mq {

// Where one partition lives.
struct PartitionRoute {
  std::string topic;
  int partition = 0;
  int datanode_id = 0;
  std::string table;
  bool writable = true;
  // Retired (docs/retention-and-lifecycle.md): no more messages, its table is or will be
  // dropped; it reads as an empty partition ending at final_offset.
  bool retired = false;
  int64_t final_offset = -1;
  int replaced_by = -1;  // partition that took over its writes, -1 = none
};

class TopologyCache {
 public:
  TopologyCache(MetaStore& store, int64_t refresh_ms, int64_t broker_timeout_ms);
  ~TopologyCache();

  // Loads the topology once; throws when the metadata database cannot be read.
  void loadInitial();
  // Starts the refresh thread.
  void start();
  void stop();
  // Reads the metadata now, after an admin change made through this broker, so that its
  // next answers include the change (the refresh thread may have read the metadata between
  // two steps of it). False when the metadata database could not be read.
  bool refreshNow() { return refresh(true); }

  std::shared_ptr<const Topology> topology() const;
  std::vector<BrokerRecord> liveBrokers() const;
  // When the last successful read of the metadata began (steady clock): the cached
  // topology was current then. Datanodes with automatic failover take writes only while
  // this is within kDatanodeWriteLeaseMs (common/topology.h).
  SteadyClock::time_point confirmedAt() const;

  // The partition's route. Throws MqError UNKNOWN_TOPIC / UNKNOWN_PARTITION naming the
  // problem. An unknown topic or a partition beyond the cached count triggers one
  // synchronous refresh first (a topic created or a partition added a moment ago is found),
  // at most once per refresh period.
  PartitionRoute route(const std::string& topic, int partition);
  // Whether route(topic, partition) answers from the cache, without a metadata read.
  bool knows(const std::string& topic, int partition) const;

 private:
  void refreshLoop();
  // Re-reads everything when the version changed (or `force`). Returns false on DB errors.
  bool refresh(bool force);
  bool refreshLocked(bool force);  // REQUIRES: refresh_mutex_ held

  MetaStore& store_;
  const int64_t refresh_ms_;
  const int64_t broker_timeout_ms_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Topology> topology_;
  std::vector<BrokerRecord> brokers_;
  SteadyClock::time_point confirmed_at_{};  // guarded by mutex_
  std::mutex refresh_mutex_;                // one refresh at a time
  // Start time of the last successful refresh. Guarded by refresh_mutex_.
  SteadyClock::time_point last_refresh_done_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq
