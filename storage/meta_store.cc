#include "storage/meta_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "common/clock.h"
#include "common/errors.h"
#include "storage/datanode_replica_store.h"

namespace mq {
namespace {

constexpr int kDuplicateKey = 1062;  // ER_DUP_ENTRY

}  // namespace

std::string partitionTableName(int64_t topic_id, int partition) {
  return fmt::format("mq_t{}_p{}", topic_id, partition);
}

int64_t MetaStore::topologyVersion() {
  auto db = pool_.acquire();
  auto rows = runQuery(db->prepare("SELECT version FROM topology_version WHERE id = 1"));
  return rows->next() ? rows->getInt64(1) : 0;
}

void MetaStore::bumpTopologyVersion(DbConnection& db) {
  db.prepare("UPDATE topology_version SET version = version + 1 WHERE id = 1").execute();
}

bool MetaStore::commitTopicUpdate(DbConnection& db, DbTransaction& transaction, int64_t topic_id) {
  auto& exists = db.prepare("SELECT 1 FROM topics WHERE id = ?");
  exists.setInt64(1, topic_id);
  if (!runQuery(exists)->next()) return false;
  bumpTopologyVersion(db);
  transaction.commit();
  return true;
}

Topology MetaStore::loadTopology() {
  auto db = pool_.acquire();
  Topology topology;
  // One consistent snapshot of the three tables.
  DbTransaction transaction(db);
  {
    auto rows = runQuery(db->prepare("SELECT version FROM topology_version WHERE id = 1"));
    if (rows->next()) topology.version = rows->getInt64(1);
  }
  {
    auto rows = runQuery(db->prepare(
        "SELECT id, name, host, port, database_name, user, password, created_ms, state, "
        "fenced_ms, epoch, EXISTS (SELECT 1 FROM datanode_replicas r WHERE r.datanode_id = "
        "datanodes.id AND r.state = 'replica') FROM datanodes"));
    while (rows->next()) {
      DatanodeRecord node;
      node.id = rows->getInt(1);
      node.name = rows->getString(2);
      node.target.host = rows->getString(3);
      node.target.port = rows->getInt(4);
      node.target.database = rows->getString(5);
      node.target.user = rows->getString(6);
      node.target.password = rows->getString(7);
      node.created_ms = rows->getInt64(8);
      node.state = rows->getString(9);
      node.fenced_ms = rows->getInt64(10);
      node.epoch = rows->getInt64(11);
      node.auto_failover = rows->getBoolean(12);
      topology.datanodes[node.id] = node;
    }
  }
  std::map<int64_t, std::string> names_by_id;
  {
    auto rows = runQuery(db->prepare(
        "SELECT id, name, retention_ms, owner_team, description, created_ms, retention_bytes, "
        "retention_messages FROM topics"));
    while (rows->next()) {
      TopicRecord topic;
      topic.id = rows->getInt64(1);
      topic.name = rows->getString(2);
      topic.retention_ms = rows->getInt64(3);
      topic.owner_team = rows->getString(4);
      topic.description = rows->getString(5);
      topic.created_ms = rows->getInt64(6);
      topic.retention_bytes = rows->getInt64(7);
      topic.retention_messages = rows->getInt64(8);
      names_by_id[topic.id] = topic.name;
      topology.topics[topic.name] = std::move(topic);
    }
  }
  {
    auto rows = runQuery(
        db->prepare("SELECT topic_id, partition_no, datanode_id, table_name, writable, created_ms, "
                    "state, replaced_by, final_offset, state_changed_ms "
                    "FROM partitions ORDER BY topic_id, partition_no"));
    while (rows->next()) {
      PartitionRecord partition;
      partition.topic_id = rows->getInt64(1);
      partition.partition = rows->getInt(2);
      partition.datanode_id = rows->getInt(3);
      partition.table_name = rows->getString(4);
      partition.writable = rows->getBoolean(5);
      partition.created_ms = rows->getInt64(6);
      partition.state = rows->getString(7);
      partition.replaced_by = rows->isNull(8) ? -1 : rows->getInt(8);
      partition.final_offset = rows->isNull(9) ? -1 : rows->getInt64(9);
      partition.state_changed_ms = rows->getInt64(10);
      auto name = names_by_id.find(partition.topic_id);
      if (name == names_by_id.end()) continue;  // topic deleted between reads
      topology.topics[name->second].partitions.push_back(partition);
    }
  }
  transaction.commit();
  return topology;
}

std::optional<TopicRecord> MetaStore::findTopic(const std::string& name) {
  auto topology = loadTopology();
  auto it = topology.topics.find(name);
  if (it == topology.topics.end()) return std::nullopt;
  return it->second;
}

std::vector<DatanodeRecord> MetaStore::listDatanodes() {
  auto topology = loadTopology();
  std::vector<DatanodeRecord> nodes;
  for (auto& [id, node] : topology.datanodes) nodes.push_back(node);
  return nodes;
}

DatanodeRecord MetaStore::insertDatanode(const std::string& name, const DbTarget& target) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& insert = db->prepare(
      "INSERT INTO datanodes (name, host, port, database_name, user, password, created_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  DatanodeRecord node;
  node.name = name;
  node.target = target;
  node.created_ms = nowMs();
  insert.setString(1, name);
  insert.setString(2, target.host);
  insert.setInt(3, target.port);
  insert.setString(4, target.database);
  insert.setString(5, target.user);
  insert.setString(6, target.password);
  insert.setInt64(7, node.created_ms);
  try {
    insert.execute();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKey) throw;
    throwError(rpc::ErrorCode::DATANODE_ALREADY_EXISTS,
               fmt::format("a datanode named `{}` or at {}:{}/{} already exists", name, target.host,
                           target.port, target.database));
  }
  auto id = runQuery(db->prepare("SELECT LAST_INSERT_ID()"));
  id->next();
  node.id = id->getInt(1);
  bumpTopologyVersion(*db);
  transaction.commit();
  return node;
}

TopicRecord MetaStore::insertTopic(TopicRecord topic, const CreateTables& create_tables) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& insert = db->prepare(
      "INSERT INTO topics (name, retention_ms, owner_team, description, created_ms) "
      "VALUES (?, ?, ?, ?, ?)");
  insert.setString(1, topic.name);
  insert.setInt64(2, topic.retention_ms);
  insert.setString(3, topic.owner_team);
  insert.setString(4, topic.description);
  insert.setInt64(5, topic.created_ms);
  try {
    insert.execute();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKey) throw;
    throwError(rpc::ErrorCode::TOPIC_ALREADY_EXISTS,
               fmt::format("topic `{}` already exists", topic.name));
  }
  auto id = runQuery(db->prepare("SELECT LAST_INSERT_ID()"));
  id->next();
  topic.id = id->getInt64(1);
  for (auto& partition : topic.partitions) {
    partition.topic_id = topic.id;
    partition.table_name = partitionTableName(topic.id, partition.partition);
  }
  insertPartitionRows(*db, topic.partitions);
  create_tables(topic.partitions);
  bumpTopologyVersion(*db);
  transaction.commit();
  return topic;
}

void MetaStore::insertPartitions(std::vector<PartitionRecord> partitions,
                                 const CreateTables& create_tables) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  for (auto& partition : partitions) {
    partition.table_name = partitionTableName(partition.topic_id, partition.partition);
  }
  try {
    insertPartitionRows(*db, partitions);
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKey) throw;
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               "the topic's partition count changed meanwhile; try again");
  }
  create_tables(partitions);
  bumpTopologyVersion(*db);
  transaction.commit();
}

void MetaStore::insertPartitionRows(DbConnection& db,
                                    const std::vector<PartitionRecord>& partitions) {
  auto& insert = db.prepare(
      "INSERT INTO partitions (topic_id, partition_no, datanode_id, table_name, writable, "
      "created_ms) VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& partition : partitions) {
    insert.setInt64(1, partition.topic_id);
    insert.setInt(2, partition.partition);
    insert.setInt(3, partition.datanode_id);
    insert.setString(4, partition.table_name);
    insert.setBoolean(5, partition.writable);
    insert.setInt64(6, partition.created_ms);
    insert.execute();
  }
}

void MetaStore::deleteTopic(int64_t topic_id) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& partitions = db->prepare("DELETE FROM partitions WHERE topic_id = ?");
  partitions.setInt64(1, topic_id);
  partitions.execute();
  auto& topic = db->prepare("DELETE FROM topics WHERE id = ?");
  topic.setInt64(1, topic_id);
  topic.execute();
  bumpTopologyVersion(*db);
  transaction.commit();
}

std::map<int, int> MetaStore::partitionCountsByDatanode() {
  auto db = pool_.acquire();
  std::map<int, int> counts;
  auto rows =
      runQuery(db->prepare("SELECT d.id, COUNT(p.topic_id) FROM datanodes d "
                           "LEFT JOIN partitions p ON p.datanode_id = d.id GROUP BY d.id"));
  while (rows->next()) counts[rows->getInt(1)] = rows->getInt(2);
  return counts;
}

void MetaStore::upsertBroker(const BrokerRecord& broker) {
  auto db = pool_.acquire();
  auto& upsert = db->prepare(
      "INSERT INTO brokers (id, host, port, started_ms, last_heartbeat_ms, topology_version, "
      "kafka_host, kafka_port) VALUES (?,?,?,?,?,?,?,?) "
      "ON DUPLICATE KEY UPDATE host = VALUES(host), port = VALUES(port), "
      "started_ms = VALUES(started_ms), last_heartbeat_ms = VALUES(last_heartbeat_ms), "
      "topology_version = VALUES(topology_version), kafka_host = VALUES(kafka_host), "
      "kafka_port = VALUES(kafka_port)");
  upsert.setString(1, broker.id);
  upsert.setString(2, broker.host);
  upsert.setInt(3, broker.port);
  upsert.setInt64(4, broker.started_ms);
  upsert.setInt64(5, broker.last_heartbeat_ms);
  upsert.setInt64(6, broker.topology_version);
  upsert.setString(7, broker.kafka_host);
  upsert.setInt(8, broker.kafka_port);
  upsert.execute();
}

void MetaStore::deleteBroker(const std::string& id) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM brokers WHERE id = ?");
  remove.setString(1, id);
  remove.execute();
}

std::vector<BrokerRecord> MetaStore::liveBrokers(int64_t timeout_ms) {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      "SELECT id, host, port, started_ms, last_heartbeat_ms, topology_version, kafka_host, "
      "kafka_port FROM brokers WHERE last_heartbeat_ms > ? ORDER BY id");
  select.setInt64(1, nowMs() - timeout_ms);
  auto rows = runQuery(select);
  std::vector<BrokerRecord> brokers;
  while (rows->next()) {
    BrokerRecord broker;
    broker.id = rows->getString(1);
    broker.host = rows->getString(2);
    broker.port = rows->getInt(3);
    broker.started_ms = rows->getInt64(4);
    broker.last_heartbeat_ms = rows->getInt64(5);
    broker.topology_version = rows->getInt64(6);
    broker.kafka_host = rows->getString(7);
    broker.kafka_port = rows->getInt(8);
    brokers.push_back(std::move(broker));
  }
  return brokers;
}

std::vector<BrokerRecord> MetaStore::reapBrokers(int64_t timeout_ms) {
  const int64_t cutoff = nowMs() - timeout_ms;
  std::vector<BrokerRecord> silent;
  for (auto& broker : liveBrokers(std::numeric_limits<int64_t>::max() / 4)) {
    if (broker.last_heartbeat_ms <= cutoff) silent.push_back(std::move(broker));
  }
  auto db = pool_.acquire();
  // The heartbeat condition again: a broker that came back meanwhile stays.
  auto& remove = db->prepare("DELETE FROM brokers WHERE id = ? AND last_heartbeat_ms <= ?");
  for (const auto& broker : silent) {
    remove.setString(1, broker.id);
    remove.setInt64(2, cutoff);
    remove.execute();
  }
  return silent;
}

std::pair<int64_t, int16_t> MetaStore::initProducer(const std::optional<std::string>& name) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  const int64_t now = nowMs();
  auto& insert = db->prepare(
      "INSERT INTO producers (name, epoch, created_ms, updated_ms) VALUES (?, 0, ?, ?) "
      "ON DUPLICATE KEY UPDATE epoch = IF(epoch >= 32767, 0, epoch + 1), "
      "updated_ms = VALUES(updated_ms)");
  if (name) {
    insert.setString(1, *name);
  } else {
    insert.setNull(1, sql::DataType::VARCHAR);
  }
  insert.setInt64(2, now);
  insert.setInt64(3, now);
  insert.execute();
  std::unique_ptr<sql::ResultSet> rows;
  if (name) {
    auto& select = db->prepare("SELECT id, epoch FROM producers WHERE name = ?");
    select.setString(1, *name);
    rows = runQuery(select);
  } else {
    rows = runQuery(db->prepare("SELECT id, epoch FROM producers WHERE id = LAST_INSERT_ID()"));
  }
  rows->next();
  std::pair<int64_t, int16_t> result{rows->getInt64(1), static_cast<int16_t>(rows->getInt(2))};
  transaction.commit();
  return result;
}

std::optional<int16_t> MetaStore::producerEpoch(int64_t producer_id) {
  auto db = pool_.acquire();
  auto& select = db->prepare("SELECT epoch FROM producers WHERE id = ?");
  select.setInt64(1, producer_id);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  return static_cast<int16_t>(rows->getInt(1));
}

int64_t MetaStore::expireProducers(int64_t before_ms, const std::set<int64_t>& still_active) {
  auto db = pool_.acquire();
  auto& select = db->prepare("SELECT id FROM producers WHERE updated_ms < ?");
  select.setInt64(1, before_ms);
  std::vector<int64_t> idle;
  {
    auto rows = runQuery(select);
    while (rows->next()) {
      if (!still_active.count(rows->getInt64(1))) idle.push_back(rows->getInt64(1));
    }
  }
  int64_t deleted = 0;
  // updated_ms is checked again: a re-init meanwhile keeps its row.
  auto& remove = db->prepare("DELETE FROM producers WHERE id = ? AND updated_ms < ?");
  for (int64_t id : idle) {
    remove.setInt64(1, id);
    remove.setInt64(2, before_ms);
    deleted += remove.executeUpdate();
  }
  return deleted;
}

void MetaStore::audit(const std::string& actor, const std::string& action,
                      const std::string& object, const std::string& before_json,
                      const std::string& after_json) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT INTO audit_log (at_ms, actor, action, object, before_json, after_json) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  insert.setInt64(1, nowMs());
  insert.setString(2, actor);
  insert.setString(3, action);
  insert.setString(4, object);
  // An empty side (nothing before a create, nothing after a delete) is stored as NULL.
  if (before_json.empty()) {
    insert.setNull(5, sql::DataType::VARCHAR);
  } else {
    insert.setString(5, before_json);
  }
  if (after_json.empty()) {
    insert.setNull(6, sql::DataType::VARCHAR);
  } else {
    insert.setString(6, after_json);
  }
  insert.execute();
}

}  // namespace mq
