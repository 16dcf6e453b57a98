// The datanodes the metaserver talks to: one small connection pool per datanode (created
// lazily from the metadata records), schema migrations applied when a datanode is added or
// first used, partition tables created and dropped, and health checks.
//
// A failure to reach or use a datanode is thrown as MqError DATANODE_UNAVAILABLE naming the
// datanode and what was being done (never its password), with `retriable` set when trying
// again can help. Errors of the metadata database propagate as sql::SQLException.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/topology.h"
#include "metaserver/access/audit_trail.h"
#include "storage/db_pool.h"
#include "storage/meta_store.h"
#include "storage/partition_store.h"

namespace mq {

struct DatanodeStatus {
  DatanodeRecord record;  // includes the password: never log or return it
  int partition_count = 0;
  bool healthy = false;
  std::string status_message;  // "ok", or what is wrong
  std::string replication;     // PrimaryHealth::describe(), "" when not healthy
};

class DatanodeRegistry {
 public:
  DatanodeRegistry(MetaStore& meta, AuditTrail& audit);
  ~DatanodeRegistry();

  // Applies the datanode migrations to every recorded datanode. One that cannot be reached
  // is logged and retried on first use; this never throws for a datanode.
  void migrateAll();

  // Validates the fields, refuses a name or target already recorded, connects to the target
  // (creating its database if missing) and applies the migrations; only then records it.
  // Throws MqError INVALID_REQUEST, DATANODE_ALREADY_EXISTS or DATANODE_UNAVAILABLE, and
  // then nothing is recorded. `actor` (the caller's client id) goes to the audit log.
  DatanodeRecord add(const std::string& actor, const std::string& name, const DbTarget& target);

  // Every recorded datanode with its partition count and a health check (SELECT 1), the
  // checks run in parallel.
  std::vector<DatanodeStatus> statuses();

  // Offsets per segment of the partition tables created from now on (segment-messages).
  void setSegmentMessages(int64_t segment_messages) { segment_messages_ = segment_messages; }

  // Creates the tables (and state rows) of `partitions` on their datanodes; idempotent.
  // On failure the tables this call created are dropped again, best effort, and the
  // MqError is thrown.
  void createPartitions(const std::vector<PartitionRecord>& partitions);

  // Drops the tables of `partitions`. Checks every datanode involved is reachable before
  // dropping anything, so a datanode that is down fails the call with no table dropped.
  void dropPartitions(const std::vector<PartitionRecord>& partitions);

  // Runs `action` on a connection to datanode `datanode_id` (migrated first), once more on a
  // new connection when the first had dropped. Failures become MqError DATANODE_UNAVAILABLE
  // naming the datanode and `doing`; an unknown id is UNKNOWN_DATANODE. REQUIRES: `action`
  // is idempotent. Used by the lag collector for its reads.
  void withDatanode(int datanode_id, const std::string& doing,
                    const std::function<void(DbConnection&)>& action);

  // Re-reads the datanode records now: a datanode whose address changed (failover, possibly
  // by another metaserver) gets a new connection pool. Also done by every call at most once
  // per second when the topology version moved.
  void reload();

 private:
  struct Entry;

  // The entry of `datanode_id`, re-reading the records on a miss.
  // Throws MqError UNKNOWN_DATANODE.
  Entry& entry(int datanode_id);
  // Adds entries for records not known yet.
  void adopt(const std::vector<DatanodeRecord>& records);
  // Applies the migrations once per entry (retried after a failure).
  void ensureMigrated(Entry& entry);
  // Runs `action` on a connection to the migrated datanode, once more on a new connection
  // when the first had dropped (a restarted server); failures become DATANODE_UNAVAILABLE
  // naming `doing`. REQUIRES: `action` is idempotent.
  void run(Entry& entry, const std::string& doing,
           const std::function<void(DbConnection&)>& action);

  MetaStore& meta_;
  AuditTrail& audit_;
  std::mutex mutex_;
  std::map<int, std::unique_ptr<Entry>> entries_;  // by datanode id
  // Entries replaced after an address change: callers may still hold them; kept.
  std::vector<std::unique_ptr<Entry>> replaced_;
  int64_t seen_version_ = 0;                                 // guarded by mutex_
  std::chrono::steady_clock::time_point version_checked_{};  // guarded by mutex_
  std::atomic<int64_t> segment_messages_{kDefaultSegmentMessages};
};

}  // namespace mq
