#include "storage/datanode_replica_store.h"

#include "common/clock.h"

namespace mq {
namespace {

void bumpTopologyVersion(DbConnection& db) {
  db.prepare("UPDATE topology_version SET version = version + 1 WHERE id = 1").execute();
}

}  // namespace

std::vector<DatanodeReplicaRecord> DatanodeReplicaStore::list(int datanode_id) {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      "SELECT datanode_id, host, port, state, added_ms FROM datanode_replicas "
      "WHERE ? = 0 OR datanode_id = ? ORDER BY datanode_id, host, port");
  select.setInt(1, datanode_id);
  select.setInt(2, datanode_id);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<DatanodeReplicaRecord> replicas;
  while (rows->next()) {
    DatanodeReplicaRecord record;
    record.datanode_id = rows->getInt(1);
    record.host = rows->getString(2);
    record.port = rows->getInt(3);
    record.state = rows->getString(4);
    record.added_ms = rows->getInt64(5);
    replicas.push_back(std::move(record));
  }
  return replicas;
}

void DatanodeReplicaStore::add(int datanode_id, const std::string& host, int port,
                               const std::string& state) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  put(*db, datanode_id, host, port, state);
  bumpTopologyVersion(*db);
  transaction.commit();
}

bool DatanodeReplicaStore::remove(int datanode_id, const std::string& host, int port) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  bool removed = remove(*db, datanode_id, host, port);
  bumpTopologyVersion(*db);
  transaction.commit();
  return removed;
}

void DatanodeReplicaStore::put(DbConnection& db, int datanode_id, const std::string& host, int port,
                               const std::string& state) {
  auto& insert = db.prepare(
      "INSERT INTO datanode_replicas (datanode_id, host, port, state, added_ms) "
      "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE state = VALUES(state), "
      "added_ms = VALUES(added_ms)");
  insert.setInt(1, datanode_id);
  insert.setString(2, host);
  insert.setInt(3, port);
  insert.setString(4, state);
  insert.setInt64(5, nowMs());
  insert.executeUpdate();
}

bool DatanodeReplicaStore::remove(DbConnection& db, int datanode_id, const std::string& host,
                                  int port) {
  auto& erase =
      db.prepare("DELETE FROM datanode_replicas WHERE datanode_id = ? AND host = ? AND port = ?");
  erase.setInt(1, datanode_id);
  erase.setString(2, host);
  erase.setInt(3, port);
  return erase.executeUpdate() > 0;
}

}  // namespace mq
