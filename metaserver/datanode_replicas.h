// Registering the MariaDB replicas of datanode primaries (mqctl datanode add-replica,
// remove-replica; listed by mqctl datanode list). A registered replica makes the datanode
// eligible for automatic failover (datanode_watchdog.h). Every change is audited.
#pragma once

#include <string>
#include <vector>

#include "common/datanode_replica_store.h"
#include "common/meta_store.h"
#include "metaserver/audit_trail.h"

namespace mq {

class DatanodeReplicas {
 public:
  DatanodeReplicas(MetaStore& meta, DatanodeReplicaStore& store, AuditTrail& audit);

  // Checks host:port answers with the datanode's credentials, replicates (SHOW SLAVE STATUS
  // has a row) and is not the primary; records it as a replica. Throws MqError
  // UNKNOWN_DATANODE or INVALID_REQUEST (nothing recorded).
  DatanodeRecord add(const std::string& actor, const std::string& name, const std::string& host,
                     int port);
  // Forgets host:port. Throws UNKNOWN_DATANODE, INVALID_REQUEST when not recorded.
  DatanodeRecord remove(const std::string& actor, const std::string& name, const std::string& host,
                        int port);
  // Every datanode's replicas.
  std::vector<DatanodeReplicaRecord> list() { return store_.list(); }

 private:
  DatanodeRecord find(const std::string& name);

  MetaStore& meta_;
  DatanodeReplicaStore& store_;
  AuditTrail& audit_;
};

}  // namespace mq
