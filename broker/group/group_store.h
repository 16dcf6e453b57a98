// Every SQL statement on consumer groups (sql/meta/002): the group row, its members and
// its committed offsets. A mutating step runs inside one transaction that holds the
// group's row lock: load, apply a transition (group_state.h), save what changed, commit.
// Brokers therefore share nothing in memory, and any broker can take over any group.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "broker/group/group_state.h"
#include "common/db_pool.h"

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

  // Writes offsets (inside mutate's transaction).
  static void writeOffsets(DbConnection& db, const std::string& group_id,
                           const std::vector<rpc::OffsetCommitPartition>& offsets, int64_t now_ms);
  // Committed offsets of the group, all or of the given partitions (-1 when none).
  std::vector<rpc::CommittedOffset> fetchOffsets(
      const std::string& group_id, const std::vector<rpc::TopicPartitions>& partitions);
  std::vector<rpc::GroupSummary> listGroups();
  // Starts every member's session again at `now_ms` (none could heartbeat while the
  // metadata database was down), as a new Kafka coordinator does when it loads a group.
  void renewSessions(int64_t now_ms);
  // Deletes the group and its offsets (inside mutate's transaction).
  static void deleteGroup(DbConnection& db, const std::string& group_id);

 private:
  static GroupState loadWith(DbConnection& db, const std::string& group_id, bool for_update);
  static void save(DbConnection& db, GroupState& group, int64_t now_ms);

  DbPool& pool_;
};

}  // namespace mq
