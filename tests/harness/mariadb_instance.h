// One MariaDB server of a test's own, living in a folder (scripts/mariadb.sh): started,
// stopped gracefully, crashed with kill -9 and started again on the same port and data.
// Used for the cluster's private database, for one server per datanode and for the
// replicas of the replication tests. The folder is removed when the instance goes away
// (MQ_KEEP_TEST_DB=1 keeps it, with its error log, to debug).
#pragma once

#include <stdexcept>
#include <string>

#include "storage/db_pool.h"

namespace mq::test {

// MariaDB's own crash recovery refused the server's data after a kill -9 (InnoDB "Data
// structure corruption"): a server bug, not the queue's (MariaDB 10.11.19 did it once in a
// dozen CI runs: "Not applying UNDO_APPEND due to corruption" on an undo page of the system
// tablespace). Starting again cannot help, so start() throws this at once. Tests turn it into
// a skip that names it (MQ_RESTART_CRASHED_MARIADB in tests/harness/crashed_mariadb.h).
class MariadbRecoveryFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MariadbSettings {
  // Sizes for tests that run several servers at once (the script's defaults are 1G/512M).
  std::string buffer_pool = "1G";
  std::string log_file_size = "512M";
  std::string extra_config;  // more [mysqld] lines (replication: server_id, log_bin, ...)
  // A library the server runs with (LD_PRELOAD): fault injection, e.g. MQ_SLOW_REDO_LOG_LIB.
  std::string preload;
};

class MariadbInstance {
 public:
  // Picks a free port; nothing runs until start().
  MariadbInstance(std::string dir, MariadbSettings settings = {});
  ~MariadbInstance();
  MariadbInstance(const MariadbInstance&) = delete;
  MariadbInstance& operator=(const MariadbInstance&) = delete;

  // Throws with the server's errors when it does not come up; MariadbRecoveryFailed when its
  // crash recovery refused its data.
  void start();
  void stop();    // graceful shutdown
  void crash();   // kill -9: acknowledged commits must survive it
  void pause();   // SIGSTOP: the server hangs, connections stay open
  void resume();  // SIGCONT

  // Replaces this server's data with a mariadb-backup of `source`, taken and prepared in
  // `backup_dir` (kept: its xtrabackup_binlog_info names the backup's GTID position), and
  // starts it again. Throws with mariadb-backup's output when a step fails.
  void restoreFromBackupOf(const MariadbInstance& source, const std::string& backup_dir);

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // user mq, database `database` (the mysql schema when empty).
  DbTarget target(const std::string& database = "") const;

 private:
  int pid() const;  // from the pid file; throws when there is none

  std::string dir_;
  MariadbSettings settings_;
  int port_ = 0;
};

// A MariadbInstance sized for tests that run several at once.
MariadbSettings smallMariadb();

// [mysqld] lines of a replicated primary: binary log with GTIDs, semi-synchronous
// replication waiting AFTER_SYNC (a commit is acknowledged once a replica has it) with a
// timeout long enough never to fall back to asynchronous in a test. Semi-sync itself is
// switched on by startReplication().
std::string replicatedPrimaryConfig(int server_id);
// [mysqld] lines of a server whose commits become visible only once durable (binlog
// two-phase commit, synced): docs/operations.md, "Commit visibility".
std::string durableVisibilityConfig();
// [mysqld] lines of its replica: read-only, semi-synchronous acknowledgements, and the
// primary's settings (inert until semi-sync is switched on), so that once promoted it can
// have a semi-synchronous replica of its own.
std::string replicaConfig(int server_id);
// Turns on semi-sync on `primary`, makes `replica` replicate it (GTID, from the beginning)
// and waits until the primary counts it as a semi-synchronous replica. Throws after 30 s.
void startReplication(MariadbInstance& replica, MariadbInstance& primary);

}  // namespace mq::test
