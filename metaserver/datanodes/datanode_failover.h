// Fails a datanode over to its MariaDB replica (mqctl datanode failover; docs/operations.md):
//   1. checks the target is a replica holding the datanode's database (else refuses,
//      changing nothing);
//   2. fences the datanode (a new epoch): brokers stop using it, and the call waits until
//      every live broker reports a topology version with the fence, and at least the
//      brokers' write lease (kDatanodeWriteLeaseMs), after which no broker acknowledges a
//      write under the old epoch (broker/datanode_pools.h);
//   3. fences the old primary if it still answers (read_only, the datanode user's sessions
//      ended) and takes its last binlog GTID as the point to reach; when it is down, the
//      replica stops receiving from it and the point is what it received (semi-sync: every
//      acknowledged commit);
//   4. waits until the replica applied that point, promotes it, and points the datanode at
//      it (the fence is lifted in the same update); brokers pick up the address.
// A step that times out leaves the datanode fenced (nothing is written anywhere meanwhile):
// calling again resumes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "storage/meta_store.h"

namespace mq {

struct FailoverResult {
  DatanodeRecord record;  // as recorded after the failover
  std::string old_address;
  bool old_primary_fenced = false;
  std::string applied_gtid;
  std::vector<std::string> brokers;  // confirmed the fence
  int64_t fence_ms = 0;
  int64_t catch_up_ms = 0;
  int64_t total_ms = 0;
};

class DatanodeFailover {
 public:
  DatanodeFailover(MetaStore& meta, DatanodeRegistry& datanodes, AuditTrail& audit,
                   int64_t broker_timeout_ms);

  // Throws MqError UNKNOWN_DATANODE, INVALID_REQUEST (bad or unsuitable target; nothing
  // changed), TIMEOUT (brokers or the replica too slow; the datanode stays fenced) or
  // DATANODE_UNAVAILABLE (the replica failed while being promoted).
  FailoverResult failover(const std::string& actor, const std::string& name,
                          const std::string& host, int port, int64_t timeout_ms);

 private:
  // Waits until every live broker serves `version` or later; returns their ids.
  std::vector<std::string> awaitBrokers(const std::string& datanode, int64_t version,
                                        int64_t deadline_ms);

  MetaStore& meta_;
  DatanodeRegistry& datanodes_;
  AuditTrail& audit_;
  const int64_t broker_timeout_ms_;
};

}  // namespace mq
