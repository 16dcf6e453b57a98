// The cluster's topology as the metadata database records it: datanodes, topics and
// their partitions, live brokers. Plain values, copied into caches.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

struct DatanodeRecord {
  int id = 0;
  std::string name;
  DbTarget target;  // includes the password: never log or return it
  int64_t created_ms = 0;
  std::string state = "active";  // active, decommissioning, decommissioned (placement: active)
  // Set while the datanode fails over to its replica: brokers must not use it (0 = not).
  int64_t fenced_ms = 0;
  // Bumped whenever the datanode is fenced for a failover (sql/meta/012). A broker
  // acknowledges a write only if the epoch it wrote under is still the datanode's epoch.
  int64_t epoch = 0;
  // Has a registered replica, so the active metaserver may fail it over by itself: brokers
  // then write to it only under a topology confirmed within kDatanodeWriteLeaseMs.
  bool auto_failover = false;
};

// How long a broker may write to a datanode with automatic failover under a topology it
// last confirmed with the metadata database: a broker that cannot read the metadata for this
// long stops writing there (reads go on). A failover waits this long after fencing the
// datanode before it promotes a replica, so a broker that missed the fence (stalled,
// partitioned from the metadata) has stopped acknowledging writes to the old primary.
inline constexpr int64_t kDatanodeWriteLeaseMs = 3000;

struct PartitionRecord {
  int64_t topic_id = 0;
  int partition = 0;
  int datanode_id = 0;
  std::string table_name;
  bool writable = true;
  int64_t created_ms = 0;
  // Lifecycle (docs/retention-and-lifecycle.md): active, read_only or retired.
  std::string state = "active";
  int replaced_by = -1;       // partition that took over its writes (migration); -1 = none
  int64_t final_offset = -1;  // retired: its end offset, for ever
  int64_t state_changed_ms = 0;
  bool retired() const { return state == "retired"; }
};

struct TopicRecord {
  int64_t id = 0;
  std::string name;
  int64_t retention_ms = 0;
  int64_t retention_bytes = 0;     // per partition; 0 = no size limit
  int64_t retention_messages = 0;  // per partition; 0 = no count limit
  std::string owner_team;
  std::string description;
  int64_t created_ms = 0;
  std::vector<PartitionRecord> partitions;  // ordered by partition number
};

struct BrokerRecord {
  std::string id;
  std::string host;
  int port = 0;
  int64_t started_ms = 0;
  int64_t last_heartbeat_ms = 0;
  // The topology version the broker serves: it uses no datanode fenced at that version.
  int64_t topology_version = 0;
  // Its Kafka listener (docs/kafka.md) as clients should reach it; port 0: none.
  std::string kafka_host;
  int kafka_port = 0;
};

struct Topology {
  int64_t version = 0;
  std::map<int, DatanodeRecord> datanodes;    // by id
  std::map<std::string, TopicRecord> topics;  // by name
};

// Name of a partition's table on its datanode.
std::string partitionTableName(int64_t topic_id, int partition);

inline constexpr int64_t kDefaultRetentionMs = 7LL * 24 * 3600 * 1000;

}  // namespace mq
