// The `datanode_replicas` table (sql/meta/012_datanode_replicas.sql): the MariaDB replicas of
// each datanode's primary that automatic failover may promote (`replica`), and former
// primaries that must never take writes again until rebuilt as replicas (`stale`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

inline constexpr const char* kReplicaActive = "replica";
inline constexpr const char* kReplicaStale = "stale";

struct DatanodeReplicaRecord {
  int datanode_id = 0;
  std::string host;
  int port = 0;
  std::string state;  // kReplicaActive or kReplicaStale
  int64_t added_ms = 0;
};

class DatanodeReplicaStore {
 public:
  explicit DatanodeReplicaStore(DbPool& pool) : pool_(pool) {}

  // Every replica of every datanode (datanode_id 0) or of one, by datanode and address.
  std::vector<DatanodeReplicaRecord> list(int datanode_id = 0);
  // Records host:port as a replica of the datanode in `state` (replacing its state if it is
  // recorded already) and bumps the topology version (brokers learn the datanode has
  // automatic failover).
  void add(int datanode_id, const std::string& host, int port, const std::string& state);
  // Forgets host:port; bumps the topology version. False when it was not recorded.
  bool remove(int datanode_id, const std::string& host, int port);

  // The statements themselves, for callers with their own transaction (repointing).
  static void put(DbConnection& db, int datanode_id, const std::string& host, int port,
                  const std::string& state);
  static bool remove(DbConnection& db, int datanode_id, const std::string& host, int port);

 private:
  DbPool& pool_;
};

}  // namespace mq
