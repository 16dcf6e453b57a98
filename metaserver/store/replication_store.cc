#include "metaserver/store/replication_store.h"

#include <fmt/format.h>

#include <vector>

namespace mq {

ReplicaStatus ReplicationStore::replicaStatus(DbConnection& db) {
  ReplicaStatus status;
  {
    auto rows = db.query("SHOW SLAVE STATUS");
    if (rows->next()) {
      status.is_replica = true;
      status.io_running = rows->getString("Slave_IO_Running");
      status.sql_running = rows->getString("Slave_SQL_Running");
      status.received_gtid = rows->getString("Gtid_IO_Pos");
      std::string io_error = rows->getString("Last_IO_Error");
      std::string sql_error = rows->getString("Last_SQL_Error");
      status.last_error = !sql_error.empty() ? sql_error : io_error;
    }
  }
  auto rows = db.query("SELECT @@GLOBAL.gtid_slave_pos");
  if (rows->next()) status.applied_gtid = rows->getString(1);
  return status;
}

std::string ReplicationStore::binlogGtid(DbConnection& db) {
  auto rows = db.query("SELECT @@GLOBAL.gtid_binlog_pos");
  return rows->next() ? std::string(rows->getString(1)) : std::string();
}

bool ReplicationStore::waitApplied(DbConnection& db, const std::string& gtid, int timeout_s) {
  auto& wait = db.prepare("SELECT MASTER_GTID_WAIT(?, ?)");
  wait.setString(1, gtid);
  wait.setInt(2, timeout_s);
  std::unique_ptr<sql::ResultSet> rows(wait.executeQuery());
  return rows->next() && rows->getInt(1) == 0;
}

void ReplicationStore::promote(DbConnection& db) {
  db.execute("STOP SLAVE");
  db.execute("RESET SLAVE ALL");
  db.execute("SET GLOBAL read_only = OFF");
}

int ReplicationStore::fence(DbConnection& db, const std::string& user) {
  db.execute("SET GLOBAL read_only = ON");
  auto& sessions = db.prepare(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()");
  sessions.setString(1, user);
  std::vector<int64_t> ids;
  {
    std::unique_ptr<sql::ResultSet> rows(sessions.executeQuery());
    while (rows->next()) ids.push_back(rows->getInt64(1));
  }
  int ended = 0;
  for (int64_t id : ids) {
    try {
      db.execute(fmt::format("KILL CONNECTION {}", id));
      ++ended;
    } catch (const sql::SQLException&) {
      // The session ended by itself meanwhile.
    }
  }
  return ended;
}

}  // namespace mq
