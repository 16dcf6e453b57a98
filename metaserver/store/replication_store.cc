#include "metaserver/store/replication_store.h"

#include <fmt/format.h>

#include <cstdlib>
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

PrimaryHealth ReplicationStore::primaryHealth(DbConnection& db) {
  PrimaryHealth health;
  {
    auto rows = db.query("SELECT @@GLOBAL.read_only, @@GLOBAL.gtid_binlog_pos, @@GLOBAL.log_bin");
    if (rows->next()) {
      health.read_only = rows->getInt(1) != 0;
      health.binlog_gtid = rows->getString(2);
      health.binlog = rows->getInt(3) != 0;
    }
  }
  auto rows = db.query(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', "
      "'Rpl_semi_sync_master_clients')");
  while (rows->next()) {
    std::string name = rows->getString(1);
    std::string value = rows->getString(2);
    if (name == "Rpl_semi_sync_master_status") health.semi_sync_on = value == "ON";
    if (name == "Rpl_semi_sync_master_clients") health.semi_sync_clients = std::atoi(value.c_str());
  }
  return health;
}

std::string PrimaryHealth::describe() const {
  if (!binlog) return "no binary log";
  if (!semi_sync_on) return "asynchronous (semi-sync off)";
  return fmt::format("semi-sync, {} replica{}", semi_sync_clients,
                     semi_sync_clients == 1 ? "" : "s");
}

void ReplicationStore::stopReceiving(DbConnection& db) { db.execute("STOP SLAVE IO_THREAD"); }

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

namespace {

// Ends every session of `user` but this one; returns how many.
int endSessions(DbConnection& db, const std::string& user) {
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

}  // namespace

namespace {

// `text` as a MariaDB string literal.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

void ReplicationStore::followPrimary(DbConnection& db, const std::string& primary_host,
                                     int primary_port, const std::string& user,
                                     const std::string& password,
                                     const std::string& gtid_position) {
  db.execute("SET GLOBAL read_only = ON");
  db.execute("STOP SLAVE");
  db.execute("RESET SLAVE ALL");
  db.execute("RESET MASTER");
  db.execute("SET GLOBAL gtid_slave_pos = " + quoted(gtid_position));
  db.execute(
      fmt::format("CHANGE MASTER TO MASTER_HOST = {}, MASTER_PORT = {}, MASTER_USER = {}, "
                  "MASTER_PASSWORD = {}, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
                  quoted(primary_host), primary_port, quoted(user), quoted(password)));
  // It acknowledges what it received, so the primary's semi-sync counts it.
  db.execute("SET GLOBAL rpl_semi_sync_slave_enabled = ON");
  db.execute("START SLAVE");
}

void ReplicationStore::resumeFollowing(DbConnection& db) {
  db.execute("SET GLOBAL read_only = ON");
  db.execute("SET GLOBAL rpl_semi_sync_slave_enabled = ON");
  db.execute("START SLAVE");
}

void ReplicationStore::stopFollowing(DbConnection& db) {
  db.execute("STOP SLAVE");
  db.execute("RESET SLAVE ALL");
}

void ReplicationStore::enableSemiSync(DbConnection& db) {
  db.execute("SET GLOBAL rpl_semi_sync_master_enabled = ON");
}

int ReplicationStore::fence(DbConnection& db, const std::string& user) {
  // The sessions first: SET GLOBAL read_only waits for commits in progress, and a commit
  // waiting for a semi-sync acknowledgement no replica gives (a primary that was failed away
  // from) would hold it back for rpl_semi_sync_master_timeout.
  int ended = endSessions(db, user);
  db.execute("SET GLOBAL read_only = ON");
  return ended + endSessions(db, user);
}

}  // namespace mq
