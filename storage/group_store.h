// Every SQL statement on consumer groups (sql/meta/002): the group row, its members, its
// committed offsets and the offset resets retention makes. The broker's coordinator
// (broker/group/) mutates groups here: a mutating step runs inside one transaction that holds
// the group's row lock: load, apply a transition (broker/group/group_state.h), save what
// changed, commit. Brokers therefore share nothing in memory, and any broker can take over
// any group. The metaserver reads the same tables here (lag, message trace, lifecycle) and
// moves offsets when retention removed what they pointed at.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_pool.h"
#include "storage/group_records.h"

namespace mq {

class GroupStore {
 public:
  explicit GroupStore(DbPool& pool) : pool_(pool) {}

  // Runs `step` on the locked group and saves its changes in the same transaction.
  // With create_if_missing=false a missing group is passed with exists=false and nothing
  // is saved unless `step` sets exists. `step` may also write offsets through `db`.
  using Step = std::function<void(GroupState& group, DbConnection& db)>;
  void mutate(const std::string& group_id, bool create_if_missing, const Step& step);

  // Read-only view (no lock): the group, or exists=false.
  GroupState load(const std::string& group_id);

  // Writes offsets (inside mutate's transaction; a step sets GroupState::commits instead).
  static void writeOffsets(DbConnection& db, const std::string& group_id,
                           const std::vector<rpc::OffsetCommitPartition>& offsets, int64_t now_ms);
  // Committed offsets of the group, all or of the given partitions (-1 when none).
  std::vector<rpc::CommittedOffset> fetchOffsets(
      const std::string& group_id, const std::vector<rpc::TopicPartitions>& partitions);
  static std::vector<rpc::CommittedOffset> fetchOffsets(
      DbConnection& db, const std::string& group_id,
      const std::vector<rpc::TopicPartitions>& partitions);
  std::vector<rpc::GroupSummary> listGroups();
  // Starts every member's session again at `now_ms` (none could heartbeat while the
  // database was out of reach), as a new Kafka coordinator does when it loads a group.
  static void renewSessions(DbConnection& db, int64_t now_ms);
  // Deletes the group and its offsets (inside mutate's transaction).
  static void deleteGroup(DbConnection& db, const std::string& group_id);

  // --- what the metaserver reads and changes ---
  // Every committed offset, ordered by group, topic, partition (one scan, in primary-key
  // order: the lag collector's cycle reads each row once).
  static std::vector<CommittedOffsetRow> committedOffsets(DbConnection& db);
  // The committed offsets on `topic`, or on one of its partitions, by group (message trace,
  // retention, topic deletion and retirement), through index ix_committed_topic (topic,
  // partition_no; sql/meta/005).
  static std::vector<CommittedOffsetRow> committedOffsets(
      DbConnection& db, const std::string& topic, std::optional<int> partition = std::nullopt);
  // Every group, by id, with its member count and subscribed topics. A member whose stored
  // subscription cannot be decoded counts as a member without topics.
  static std::map<std::string, GroupRow> groups(DbConnection& db);
  // Moves the group's committed offset on the partition to `new_offset` if it is still below
  // `below` (a commit made meanwhile wins), and records an offset_reset_events row, in one
  // transaction. Returns the offset it replaced, or nullopt when nothing was below.
  std::optional<int64_t> resetCommittedOffset(const std::string& group_id, const std::string& topic,
                                              int partition, int64_t below, int64_t new_offset,
                                              const std::string& policy, const std::string& reason);
  // The offsets retention moved, newest first; empty group or topic = any; limit 1..1000.
  std::vector<OffsetResetEventRecord> offsetResetEvents(const std::string& group_id,
                                                        const std::string& topic, int limit);
  // Deletes every committed offset on `topic` (inside the topic deletion's transaction);
  // returns the groups that had one, by id.
  static std::vector<std::string> deleteTopicOffsets(DbConnection& db, const std::string& topic);

  // --- building blocks of mutate, for the groups' standby (broker/group/group_database.h),
  // whose tables on a datanode are the same (sql/datanode/009) ---
  static GroupState loadWith(DbConnection& db, const std::string& group_id, bool for_update);
  // Saves what changed: the group row if dirty (with its version), members marked dirty or
  // removed, and `commits`.
  static void save(DbConnection& db, GroupState& group, int64_t now_ms);
  static void insertIfMissing(DbConnection& db, const std::string& group_id, int64_t now_ms);
  // Makes the stored group `group`: its row and exactly its members (offsets untouched).
  static void replace(DbConnection& db, GroupState group, int64_t now_ms);
  // Copies offsets committed elsewhere, keeping a row's own when it was committed later.
  static void copyOffsets(DbConnection& db, const std::string& group_id,
                          const std::vector<rpc::CommittedOffset>& offsets);

 private:
  DbPool& pool_;
};

}  // namespace mq
