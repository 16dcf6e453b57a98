// The SQL of datanode failover on MariaDB replication with GTIDs: a replica's state, waiting
// until it applied what it received, promoting it, and fencing an old primary that still
// answers. Used by the metaserver's DatanodeFailover.
#pragma once

#include <string>

#include "storage/db_pool.h"

namespace mq {

struct ReplicaStatus {
  bool is_replica = false;    // SHOW SLAVE STATUS has a row
  std::string io_running;     // Slave_IO_Running: Yes, No, Connecting
  std::string sql_running;    // Slave_SQL_Running
  std::string received_gtid;  // Gtid_IO_Pos: everything received from the primary
  std::string applied_gtid;   // @@gtid_slave_pos: everything applied
  std::string last_error;     // the IO thread's or the SQL thread's last error, or ""
};

// What the metaserver's health check reads from a datanode's primary.
struct PrimaryHealth {
  bool read_only = false;
  bool binlog = false;  // @@log_bin: a binary log replicas can follow
  // Rpl_semi_sync_master_status: ON while commits wait for a replica's acknowledgement; OFF
  // when semi-sync is disabled or fell back to asynchronous (rpl_semi_sync_master_timeout).
  bool semi_sync_on = false;
  int semi_sync_clients = 0;  // Rpl_semi_sync_master_clients
  std::string binlog_gtid;    // @@gtid_binlog_pos

  // "semi-sync, N replicas", "asynchronous (semi-sync off)" or "no binary log".
  std::string describe() const;
};

class ReplicationStore {
 public:
  static PrimaryHealth primaryHealth(DbConnection& db);
  // Stops the replica's IO thread: it receives nothing more from its primary, so that
  // primary can have no more commits acknowledged by it (semi-sync).
  static void stopReceiving(DbConnection& db);
  static ReplicaStatus replicaStatus(DbConnection& db);
  // The server's own binary log position (@@gtid_binlog_pos): what a primary has written.
  static std::string binlogGtid(DbConnection& db);
  // Waits (MASTER_GTID_WAIT) until the replica applied `gtid`; false after timeout_s.
  static bool waitApplied(DbConnection& db, const std::string& gtid, int timeout_s);
  // Stops replication, forgets the primary and makes the server writable.
  static void promote(DbConnection& db);
  // Makes the server read-only and ends every other session of `user`: an old primary that
  // still answers takes no more writes from brokers that missed the fence. (A user with the
  // READ_ONLY ADMIN privilege could still write: do not grant it to the datanode user.)
  // Returns the sessions ended.
  static int fence(DbConnection& db, const std::string& user);
  // Makes a server restored from a backup of a primary replicate it from `gtid_position`
  // (where the backup ends): read-only, its own binary log and replication reset, then
  // CHANGE MASTER to primary_host:primary_port as `user` with GTIDs, semi-sync
  // acknowledgements on, and START SLAVE.
  // The texts are quoted as SQL literals (CHANGE MASTER takes no parameters).
  static void followPrimary(DbConnection& db, const std::string& primary_host, int primary_port,
                            const std::string& user, const std::string& password,
                            const std::string& gtid_position);
  // Starts the replication followPrimary configured again, where it stopped (read-only,
  // semi-sync acknowledgements on): for a session lost after CHANGE MASTER, when resetting
  // the position would apply again what the replica already applied.
  static void resumeFollowing(DbConnection& db);
  // Stops a replica's replication threads and forgets its primary (what followPrimary set),
  // leaving it read-only.
  static void stopFollowing(DbConnection& db);
  // Turns on semi-synchronous replication on a primary (a no-op when it is on).
  static void enableSemiSync(DbConnection& db);
};

}  // namespace mq
