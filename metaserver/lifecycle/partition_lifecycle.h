// The partition lifecycle on the control plane (the MetaService RPCs of
// docs/retention-and-lifecycle.md): retention settings, read-only partitions, migration of a
// partition to another datanode, topic deletion with a grace period, and datanode
// decommissioning. The background half (sealing, retiring drained partitions, dropping
// tables after the grace period, finishing decommissions) is PartitionRetirer.
//
// States of a partition (partitions.state): active -> read_only -> retired. read_only is
// written to the metadata first (brokers stop accepting produce within their topology
// refresh) and then the partition's state row is sealed on its datanode, so that even a
// broker with a stale topology cannot append: its end offset is final. Migration creates
// the replacement (a new partition number on the target datanode) before the old one
// becomes read-only, so the topic always has a writable partition.
//
// Refusals are MqError (UNKNOWN_TOPIC, UNKNOWN_PARTITION, UNKNOWN_DATANODE, INVALID_REQUEST,
// INVALID_CONFIG, GROUP_NOT_EMPTY) and change nothing; datanode failures are
// DATANODE_UNAVAILABLE; metadata database errors propagate as sql::SQLException. Every
// change is audited. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/datanodes/partition_placement.h"
#include "metaserver/lifecycle/lifecycle_config.h"
#include "mq_types.h"
#include "storage/db_pool.h"
#include "storage/meta_store.h"
#include "storage/partition_store.h"

namespace mq {

class PartitionLifecycle {
 public:
  PartitionLifecycle(LifecycleConfig config, MetaStore& meta, DbPool& meta_pool,
                     DatanodeRegistry& datanodes, AuditTrail& audit);

  // Sets the given limits (nullopt: unchanged). retention_ms > 0; bytes and messages >= 0
  // (0 = no limit).
  rpc::TopicRetention setRetention(const std::string& actor, const std::string& topic,
                                   std::optional<int64_t> retention_ms,
                                   std::optional<int64_t> retention_bytes,
                                   std::optional<int64_t> retention_messages);
  // The topic's retention and every partition's state and offsets (read from the datanodes;
  // a datanode that fails leaves its partitions with offsets -1 and `error` set).
  rpc::TopicLifecycle describe(const std::string& topic);
  // read_only: active -> read_only, then seal (a failed seal is retried by the lifecycle
  // task). !read_only: read_only -> active, then unseal (a failure is an error; calling
  // again finishes it). Idempotent. A retired partition is refused.
  rpc::PartitionLifecycle setReadOnly(const std::string& actor, const std::string& topic,
                                      int partition, bool read_only);
  // Appends a partition on `target_datanode` ("" = placement, never the partition's own
  // datanode) and makes `partition` read-only with replaced_by set. The target must be
  // active. Returns {old, new}.
  std::pair<rpc::PartitionLifecycle, rpc::PartitionLifecycle> migrate(
      const std::string& actor, const std::string& topic, int partition,
      const std::string& target_datanode);
  // migrate(actor, topic, partition, "") for a partition that another caller may have
  // migrated meanwhile: a decommission and the lifecycle task both move the active
  // partitions of a decommissioning datanode. nullopt, and nothing changed, when the
  // partition is no longer active by the time its turn comes.
  std::optional<std::pair<rpc::PartitionLifecycle, rpc::PartitionLifecycle>> migrateIfActive(
      const std::string& actor, const std::string& topic, int partition);
  // Refuses with GROUP_NOT_EMPTY while a group with members subscribes to the topic or a
  // group committed on it within topic-delete-idle, unless `force`. Then deletes the
  // metadata (topic, partitions, committed offsets) at once and schedules the tables'
  // drop after partition-drop-grace.
  rpc::DeleteTopicResponse deleteTopic(const std::string& actor, const std::string& name,
                                       bool force);
  // Marks the datanode decommissioning (placement skips it) and migrates every active
  // partition off it. The lifecycle task marks it decommissioned once nothing is left.
  rpc::DatanodeLifecycle decommission(const std::string& actor, const std::string& name);
  std::vector<rpc::DatanodeLifecycle> datanodeStates();
  std::vector<rpc::OffsetResetEvent> offsetResets(const std::string& group_id,
                                                  const std::string& topic, int limit);
  // Seals a read_only partition's table on its datanode and returns its bounds, then checks
  // the metadata again: if the partition was made writable meanwhile (its unseal may have run
  // before this seal), the seal is taken off again and nullopt returned. So a seal never
  // outlives the read_only state, whatever the order of the two calls. Throws MqError when
  // the datanode fails.
  std::optional<PartitionBounds> sealReadOnly(const PartitionRecord& partition);

 private:
  TopicRecord findTopic(const std::string& name);
  const PartitionRecord& findPartition(const TopicRecord& topic, int partition);
  // The partition's view, its offsets read from its datanode (best effort).
  rpc::PartitionLifecycle view(const TopicRecord& topic, const PartitionRecord& partition,
                               const Topology& topology);
  // Seals on the datanode; returns false (logged) when the datanode failed.
  bool trySeal(const PartitionRecord& partition);
  // Datanode id for a replacement of a partition on `avoid` (INVALID_CONFIG without one).
  int placeAwayFrom(int avoid);
  // migrate() with migrations_ held, of `topic` as just read under it.
  std::pair<rpc::PartitionLifecycle, rpc::PartitionLifecycle> migrateLocked(
      const std::string& actor, const TopicRecord& topic, int number,
      const std::string& target_datanode);

  const LifecycleConfig config_;
  MetaStore& meta_;
  DbPool& meta_pool_;
  DatanodeRegistry& datanodes_;
  AuditTrail& audit_;
  PartitionPlacer placer_;
  // One migration at a time: each numbers its new partition from the topic's partition
  // count, so two at once on one topic would collide (the second refused as "changed
  // meanwhile") or both move the same partition.
  std::mutex migrations_;
};

}  // namespace mq
