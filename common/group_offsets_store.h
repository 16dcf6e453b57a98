// Read-only views of the consumer-group tables (sql/meta/002_consumer_groups.sql) for the
// metaserver's lag collector: every committed offset, every group with its member count and
// the topics its members subscribe to. The broker's group store (broker/group/) owns every
// write to these tables.
//
// Cost: two full scans per call, in primary-key order; committed_offsets has one row per
// (group, topic, partition) and group_members one per member, so a cycle reads each row once.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/db_pool.h"

namespace mq {

struct CommittedOffsetRow {
  std::string group_id;
  std::string topic;
  int partition = 0;
  int64_t offset = 0;  // the next offset the group will consume
  int64_t committed_ms = 0;
};

struct GroupRow {
  std::string group_id;
  std::string state;  // Empty, PreparingRebalance, CompletingRebalance, Stable
  int members = 0;    // members that joined (not pending)
  std::set<std::string> subscribed_topics;  // union of those members' subscriptions
};

class GroupOffsetsStore {
 public:
  // Every committed offset, ordered by group, topic, partition.
  static std::vector<CommittedOffsetRow> committedOffsets(DbConnection& db);
  // The committed offsets of one partition, by group (message trace). The primary key starts
  // with the group, so this reads the whole table, like committedOffsets.
  static std::vector<CommittedOffsetRow> committedOffsets(DbConnection& db,
                                                          const std::string& topic, int partition);
  // Every group, by id. A member whose stored subscription cannot be decoded counts as a
  // member without topics.
  static std::map<std::string, GroupRow> groups(DbConnection& db);
};

}  // namespace mq
