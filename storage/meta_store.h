// Every SQL statement on the metadata database (sql/meta): topology, broker registry.
// Used by the metaserver (reads and writes) and by brokers (reads, heartbeats).
// Methods throw sql::SQLException on database errors and MqError for refusals.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/topology.h"
#include "storage/db_pool.h"

namespace mq {

// A partition table to drop once drop_after_ms has passed (sql/meta/005 table_drops).
struct TableDropRecord {
  int datanode_id = 0;
  std::string table_name;
  std::string topic;
  int partition = 0;
  std::string reason;  // retired, topic_deleted
  int64_t requested_ms = 0;
  int64_t drop_after_ms = 0;
  int64_t dropped_ms = 0;  // 0 = not dropped yet
};

class MetaStore {
 public:
  explicit MetaStore(DbPool& pool) : pool_(pool) {}

  // The metadata pool, for a DbJoinedTransaction spanning several stores.
  DbPool& pool() { return pool_; }

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
  // Deletes producers not (re)initialised since `before_ms`, except those in `still_active`
  // (ids some datanode saw appending since then). Returns how many.
  int64_t expireProducers(int64_t before_ms, const std::set<int64_t>& still_active);

  // --- Retention and partition lifecycle (sql/meta/005; docs/retention-and-lifecycle.md) ---
  // Sets the limits that are given (nullopt: unchanged) and bumps the topology version.
  // Returns false when the topic does not exist.
  bool updateRetention(int64_t topic_id, std::optional<int64_t> retention_ms,
                       std::optional<int64_t> retention_bytes,
                       std::optional<int64_t> retention_messages);
  // Sets the topic's description and owner team where given (nullopt: unchanged) and bumps
  // the topology version. Returns false when the topic does not exist.
  bool updateTopicDetails(int64_t topic_id, const std::optional<std::string>& description,
                          const std::optional<std::string>& owner_team);
  // Partition count per datanode in state `active`: the candidates for placement.
  std::map<int, int> placementCounts();
  // Moves a partition to state `to` (writable exactly when `to` is active) if its state is
  // one of `from`, sets replaced_by when given, and bumps the topology version. Returns
  // false, changing nothing, when the partition is in another state or does not exist.
  bool changePartitionState(int64_t topic_id, int partition, const std::vector<std::string>& from,
                            const std::string& to, std::optional<int> replaced_by = std::nullopt);
  // The partition's lifecycle state now; nullopt when it does not exist.
  std::optional<std::string> partitionState(int64_t topic_id, int partition);
  // In one transaction: read_only -> retired with its final offset, and its table scheduled
  // for dropping at drop_after_ms. Returns false when the partition was not read_only.
  bool retirePartition(const std::string& topic, const PartitionRecord& partition,
                       int64_t final_offset, int64_t drop_after_ms);
  // In one transaction: deletes the topic, its partitions and every committed offset on it,
  // and schedules the drop of each partition table not dropped yet at drop_after_ms.
  // Returns the groups whose offsets were deleted.
  std::vector<std::string> deleteTopicDeferred(const TopicRecord& topic, int64_t drop_after_ms);
  // Scheduled table drops: not dropped yet (due ones first), or every one of a datanode.
  std::vector<TableDropRecord> pendingTableDrops();
  // The drop recorded for a table, if any (also a finished one).
  std::optional<TableDropRecord> tableDrop(int datanode_id, const std::string& table);
  void markTableDropped(int datanode_id, const std::string& table);
  // Sets a datanode's state and bumps the topology version. False for an unknown id.
  bool setDatanodeState(int datanode_id, const std::string& state);
  // Failover (sql/meta/009, 012). Fences the datanode (brokers stop using it; a new epoch
  // starts) or lifts the fence, and bumps the topology version; returns the new version.
  int64_t setDatanodeFenced(int datanode_id, bool fenced);
  // Points the datanode at its new primary, lifts the fence, bumps the version. The new
  // primary leaves the datanode's replicas; the old one is recorded as a stale replica.
  void repointDatanode(int datanode_id, const std::string& host, int port);

  // --- Audit ---
  void audit(const std::string& actor, const std::string& action, const std::string& object,
             const std::string& before_json, const std::string& after_json);

 private:
  void bumpTopologyVersion(DbConnection& db);
  // After an UPDATE of topic `topic_id` in `transaction`: false (rolled back) when the topic
  // does not exist, else bumps the topology version, commits and returns true.
  bool commitTopicUpdate(DbConnection& db, DbTransaction& transaction, int64_t topic_id);
  void insertPartitionRows(DbConnection& db, const std::vector<PartitionRecord>& partitions);
  DbPool& pool_;
};

}  // namespace mq
