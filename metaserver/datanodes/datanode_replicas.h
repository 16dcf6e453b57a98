// Registering the MariaDB replicas of datanode primaries (mqctl datanode add-replica,
// remove-replica; listed by mqctl datanode list). A registered replica makes the datanode
// eligible for automatic failover (datanode_watchdog.h). Every change is audited.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "storage/datanode_replica_store.h"
#include "storage/meta_store.h"

namespace mq {

class DatanodeReplicas {
 public:
  DatanodeReplicas(MetaStore& meta, DatanodeReplicaStore& store, AuditTrail& audit);

  // Checks host:port answers with the datanode's credentials, replicates (SHOW SLAVE STATUS
  // has a row) and is not the primary; records it as a replica. Throws MqError
  // UNKNOWN_DATANODE or INVALID_REQUEST (nothing recorded).
  DatanodeRecord add(const std::string& actor, const std::string& name, const std::string& host,
                     int port);
  // Makes host:port, a server restored from a backup of the datanode's primary, replicate
  // the primary from `gtid_position` (where the backup ends) with semi-sync, waits up to
  // `timeout_ms` until its replication threads run, and records it as add() does. `user` ""
  // = the datanode's credentials. Throws MqError UNKNOWN_DATANODE, INVALID_REQUEST (a
  // malformed argument, a server that is some datanode's primary, an unreachable one, or a
  // replication error, which is named; replication is stopped again then) or TIMEOUT.
  DatanodeRecord rebuild(const std::string& actor, const std::string& name, const std::string& host,
                         int port, const std::string& gtid_position, const std::string& user,
                         const std::string& password, int64_t timeout_ms);
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
