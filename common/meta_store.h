// Every SQL statement on the metadata database (sql/meta): topology, broker registry.
// Used by the metaserver (reads and writes) and by brokers (reads, heartbeats).
// Methods throw sql::SQLException on database errors and MqError for refusals.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/db_pool.h"
#include "common/topology.h"

namespace mq {

class MetaStore {
 public:
  explicit MetaStore(DbPool& pool) : pool_(pool) {}

  // --- Topology reads ---
  // One cheap read: changes whenever a topic, partition or datanode changes.
  int64_t topologyVersion();
  // The whole topology (three queries), for caches.
  Topology loadTopology();
  std::optional<TopicRecord> findTopic(const std::string& name);
  std::vector<DatanodeRecord> listDatanodes();

  // --- Topology writes (metaserver). Each bumps the topology version. ---
  // Throws MqError DATANODE_ALREADY_EXISTS when the name or target is taken.
  DatanodeRecord insertDatanode(const std::string& name, const DbTarget& target);
  // Creates the partitions' tables on their datanodes. Called inside the metadata
  // transaction once table names are known; if it throws, nothing is recorded.
  using CreateTables = std::function<void(const std::vector<PartitionRecord>&)>;
  // Inserts the topic and its partitions (numbered and placed by the caller; ids and table
  // names filled in here) in one transaction. Throws MqError TOPIC_ALREADY_EXISTS.
  TopicRecord insertTopic(TopicRecord topic, const CreateTables& create_tables);
  // Adds partitions (topic_id, partition, datanode_id set by the caller) to a topic.
  void insertPartitions(std::vector<PartitionRecord> partitions, const CreateTables& create_tables);
  void deleteTopic(int64_t topic_id);
  // Partition count per datanode id, for placement.
  std::map<int, int> partitionCountsByDatanode();

  // --- Broker registry ---
  void upsertBroker(const BrokerRecord& broker);
  void deleteBroker(const std::string& id);
  // Brokers whose last heartbeat is newer than now - timeout_ms.
  std::vector<BrokerRecord> liveBrokers(int64_t timeout_ms);
  // Removes brokers silent for longer than timeout_ms; returns them.
  std::vector<BrokerRecord> reapBrokers(int64_t timeout_ms);

  // --- Idempotent producers ---
  // A new producer id with epoch 0, or, for a known `name`, its id with the epoch bumped
  // (fencing older instances). Returns {id, epoch}.
  std::pair<int64_t, int16_t> initProducer(const std::optional<std::string>& name);
  // The producer's current epoch, or nullopt for an unknown id.
  std::optional<int16_t> producerEpoch(int64_t producer_id);

  // --- Audit ---
  void audit(const std::string& actor, const std::string& action, const std::string& object,
             const std::string& before_json, const std::string& after_json);

 private:
  void bumpTopologyVersion(DbConnection& db);
  void insertPartitionRows(DbConnection& db, const std::vector<PartitionRecord>& partitions);
  DbPool& pool_;
};

}  // namespace mq
