// MetaStore's partition lifecycle: retention settings, partition states and retirement,
// deferred topic deletion and the table drops it leaves, datanode states, fencing and
// repointing (storage/meta_store.h).
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "common/clock.h"
#include "common/errors.h"
#include "storage/datanode_replica_store.h"
#include "storage/group_store.h"
#include "storage/meta_store.h"

namespace mq {

bool MetaStore::updateRetention(int64_t topic_id, std::optional<int64_t> retention_ms,
                                std::optional<int64_t> retention_bytes,
                                std::optional<int64_t> retention_messages) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  // COALESCE keeps a column when its parameter is NULL (not given).
  auto& update = db->prepare(
      "UPDATE topics SET retention_ms = COALESCE(?, retention_ms), "
      "retention_bytes = COALESCE(?, retention_bytes), "
      "retention_messages = COALESCE(?, retention_messages) WHERE id = ?");
  auto bind = [&](int index, const std::optional<int64_t>& value) {
    if (value) {
      update.setInt64(index, *value);
    } else {
      update.setNull(index, sql::DataType::BIGINT);
    }
  };
  bind(1, retention_ms);
  bind(2, retention_bytes);
  bind(3, retention_messages);
  update.setInt64(4, topic_id);
  update.executeUpdate();
  return commitTopicUpdate(*db, transaction, topic_id);
}

bool MetaStore::updateTopicDetails(int64_t topic_id, const std::optional<std::string>& description,
                                   const std::optional<std::string>& owner_team) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  // COALESCE keeps a column when its parameter is NULL (not given).
  auto& update = db->prepare(
      "UPDATE topics SET description = COALESCE(?, description), "
      "owner_team = COALESCE(?, owner_team) WHERE id = ?");
  auto bind = [&](int index, const std::optional<std::string>& value) {
    if (value) {
      update.setString(index, *value);
    } else {
      update.setNull(index, sql::DataType::VARCHAR);
    }
  };
  bind(1, description);
  bind(2, owner_team);
  update.setInt64(3, topic_id);
  update.executeUpdate();
  return commitTopicUpdate(*db, transaction, topic_id);
}

std::map<int, int> MetaStore::placementCounts() {
  auto db = pool_.acquire();
  std::map<int, int> counts;
  // Retired partitions hold no data once their table is dropped: they do not count.
  auto rows = runQuery(
      db->prepare("SELECT d.id, COUNT(p.topic_id) FROM datanodes d "
                  "LEFT JOIN partitions p ON p.datanode_id = d.id AND p.state <> 'retired' "
                  "WHERE d.state = 'active' GROUP BY d.id"));
  while (rows->next()) counts[rows->getInt(1)] = rows->getInt(2);
  return counts;
}

std::optional<std::string> MetaStore::partitionState(int64_t topic_id, int partition) {
  auto db = pool_.acquire();
  auto& select =
      db->prepare("SELECT state FROM partitions WHERE topic_id = ? AND partition_no = ?");
  select.setInt64(1, topic_id);
  select.setInt(2, partition);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  return rows->getString(1);
}

bool MetaStore::changePartitionState(int64_t topic_id, int partition,
                                     const std::vector<std::string>& from, const std::string& to,
                                     std::optional<int> replaced_by) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& select = db->prepare(
      "SELECT state FROM partitions WHERE topic_id = ? AND partition_no = ? FOR UPDATE");
  select.setInt64(1, topic_id);
  select.setInt(2, partition);
  auto rows = runQuery(select);
  if (!rows->next()) return false;
  const std::string state = rows->getString(1);
  if (std::find(from.begin(), from.end(), state) == from.end()) return false;
  auto& update = db->prepare(
      "UPDATE partitions SET state = ?, writable = ?, state_changed_ms = ?, "
      "replaced_by = COALESCE(?, replaced_by) WHERE topic_id = ? AND partition_no = ?");
  update.setString(1, to);
  update.setBoolean(2, to == "active");
  update.setInt64(3, nowMs());
  if (replaced_by) {
    update.setInt(4, *replaced_by);
  } else {
    update.setNull(4, sql::DataType::INTEGER);
  }
  update.setInt64(5, topic_id);
  update.setInt(6, partition);
  update.executeUpdate();
  bumpTopologyVersion(*db);
  transaction.commit();
  return true;
}

bool MetaStore::retirePartition(const std::string& topic, const PartitionRecord& partition,
                                int64_t final_offset, int64_t drop_after_ms) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  const int64_t now = nowMs();
  auto& update = db->prepare(
      "UPDATE partitions SET state = 'retired', writable = 0, final_offset = ?, "
      "state_changed_ms = ? WHERE topic_id = ? AND partition_no = ? AND state = 'read_only'");
  update.setInt64(1, final_offset);
  update.setInt64(2, now);
  update.setInt64(3, partition.topic_id);
  update.setInt(4, partition.partition);
  if (update.executeUpdate() == 0) return false;
  auto& schedule = db->prepare(
      "INSERT IGNORE INTO table_drops (datanode_id, table_name, topic, partition_no, reason, "
      "requested_ms, drop_after_ms) VALUES (?, ?, ?, ?, 'retired', ?, ?)");
  schedule.setInt(1, partition.datanode_id);
  schedule.setString(2, partition.table_name);
  schedule.setString(3, topic);
  schedule.setInt(4, partition.partition);
  schedule.setInt64(5, now);
  schedule.setInt64(6, drop_after_ms);
  schedule.execute();
  bumpTopologyVersion(*db);
  transaction.commit();
  return true;
}

std::vector<std::string> MetaStore::deleteTopicDeferred(const TopicRecord& topic,
                                                        int64_t drop_after_ms) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  const int64_t now = nowMs();
  // Retired partitions already have a drop scheduled (or done): INSERT IGNORE keeps it.
  auto& schedule = db->prepare(
      "INSERT IGNORE INTO table_drops (datanode_id, table_name, topic, partition_no, reason, "
      "requested_ms, drop_after_ms) VALUES (?, ?, ?, ?, 'topic_deleted', ?, ?)");
  for (const auto& partition : topic.partitions) {
    schedule.setInt(1, partition.datanode_id);
    schedule.setString(2, partition.table_name);
    schedule.setString(3, topic.name);
    schedule.setInt(4, partition.partition);
    schedule.setInt64(5, now);
    schedule.setInt64(6, drop_after_ms);
    schedule.execute();
  }
  std::vector<std::string> groups = GroupStore::deleteTopicOffsets(*db, topic.name);
  auto& partitions = db->prepare("DELETE FROM partitions WHERE topic_id = ?");
  partitions.setInt64(1, topic.id);
  partitions.execute();
  auto& remove = db->prepare("DELETE FROM topics WHERE id = ?");
  remove.setInt64(1, topic.id);
  remove.execute();
  bumpTopologyVersion(*db);
  transaction.commit();
  return groups;
}

namespace {

constexpr const char* kTableDropColumns =
    "datanode_id, table_name, topic, partition_no, reason, requested_ms, drop_after_ms, "
    "dropped_ms";

TableDropRecord readTableDrop(sql::ResultSet& rows) {
  TableDropRecord drop;
  drop.datanode_id = rows.getInt(1);
  drop.table_name = rows.getString(2);
  drop.topic = rows.getString(3);
  drop.partition = rows.getInt(4);
  drop.reason = rows.getString(5);
  drop.requested_ms = rows.getInt64(6);
  drop.drop_after_ms = rows.getInt64(7);
  drop.dropped_ms = rows.isNull(8) ? 0 : rows.getInt64(8);
  return drop;
}

}  // namespace

std::vector<TableDropRecord> MetaStore::pendingTableDrops() {
  auto db = pool_.acquire();
  auto rows = runQuery(db->prepare(
      fmt::format("SELECT {} FROM table_drops WHERE dropped_ms IS NULL ORDER BY drop_after_ms",
                  kTableDropColumns)));
  std::vector<TableDropRecord> drops;
  while (rows->next()) drops.push_back(readTableDrop(*rows));
  return drops;
}

std::optional<TableDropRecord> MetaStore::tableDrop(int datanode_id, const std::string& table) {
  auto db = pool_.acquire();
  auto& select = db->prepare(fmt::format(
      "SELECT {} FROM table_drops WHERE datanode_id = ? AND table_name = ?", kTableDropColumns));
  select.setInt(1, datanode_id);
  select.setString(2, table);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  return readTableDrop(*rows);
}

void MetaStore::markTableDropped(int datanode_id, const std::string& table) {
  auto db = pool_.acquire();
  auto& update =
      db->prepare("UPDATE table_drops SET dropped_ms = ? WHERE datanode_id = ? AND table_name = ?");
  update.setInt64(1, nowMs());
  update.setInt(2, datanode_id);
  update.setString(3, table);
  update.execute();
}

bool MetaStore::setDatanodeState(int datanode_id, const std::string& state) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& update = db->prepare("UPDATE datanodes SET state = ? WHERE id = ?");
  update.setString(1, state);
  update.setInt(2, datanode_id);
  update.executeUpdate();
  auto& exists = db->prepare("SELECT 1 FROM datanodes WHERE id = ?");
  exists.setInt(1, datanode_id);
  if (!runQuery(exists)->next()) return false;
  bumpTopologyVersion(*db);
  transaction.commit();
  return true;
}

int64_t MetaStore::setDatanodeFenced(int datanode_id, bool fenced) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  // Fencing starts a new epoch: writes under the old one are no longer acknowledged.
  auto& update =
      db->prepare("UPDATE datanodes SET fenced_ms = ?, epoch = epoch + IF(?, 1, 0) WHERE id = ?");
  update.setInt64(1, fenced ? nowMs() : 0);
  update.setBoolean(2, fenced);
  update.setInt(3, datanode_id);
  update.executeUpdate();
  bumpTopologyVersion(*db);
  auto version = runQuery(db->prepare("SELECT version FROM topology_version WHERE id = 1"));
  int64_t result = version->next() ? version->getInt64(1) : 0;
  transaction.commit();
  return result;
}

void MetaStore::repointDatanode(int datanode_id, const std::string& host, int port) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  std::string old_host;
  int old_port = 0;
  {
    auto& select = db->prepare("SELECT host, port FROM datanodes WHERE id = ? FOR UPDATE");
    select.setInt(1, datanode_id);
    auto rows = runQuery(select);
    if (rows->next()) {
      old_host = rows->getString(1);
      old_port = rows->getInt(2);
    }
  }
  auto& update = db->prepare("UPDATE datanodes SET host = ?, port = ?, fenced_ms = 0 WHERE id = ?");
  update.setString(1, host);
  update.setInt(2, port);
  update.setInt(3, datanode_id);
  update.executeUpdate();
  // The new primary is no replica any more; the old one is stale until rebuilt.
  DatanodeReplicaStore::remove(*db, datanode_id, host, port);
  if (!old_host.empty() && (old_host != host || old_port != port)) {
    DatanodeReplicaStore::put(*db, datanode_id, old_host, old_port, kReplicaStale);
  }
  bumpTopologyVersion(*db);
  transaction.commit();
}

}  // namespace mq
