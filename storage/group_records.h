// The rows of the consumer-group tables (sql/meta/002_consumer_groups.sql) as the group store
// (storage/group_store.h) reads and writes them: a group with its members, committed offsets,
// and the summaries the metaserver reads. Plain data; the state machine over GroupState is the
// broker's (broker/group/group_state.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mq_types.h"

namespace mq {

enum class GroupStateName { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

const char* groupStateName(GroupStateName state);
// Parses a name written by groupStateName; unknown names read as Empty.
GroupStateName parseGroupState(const std::string& name);

struct GroupMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int session_timeout_ms = 45000;
  int rebalance_timeout_ms = 300000;
  bool pending = false;  // was issued an id (MEMBER_ID_REQUIRED), has not joined yet
  bool joined = false;   // has joined the rebalance in progress
  std::vector<rpc::GroupProtocol> protocols;
  std::vector<rpc::TopicPartitions> assignment;
  int64_t last_heartbeat_ms = 0;
  bool dirty = false;  // needs saving
};

struct GroupState {
  std::string group_id;
  bool exists = false;  // has a row in the database
  GroupStateName state = GroupStateName::kEmpty;
  int generation = 0;
  std::string protocol;
  std::string leader_id;
  int64_t rebalance_deadline_ms = 0;
  std::map<std::string, GroupMember> members;  // by member id
  std::set<std::string> removed;               // member ids to delete when saving
  bool dirty = false;                          // group row needs saving
  // Bumped by every change of state, members or assignments, not by heartbeats
  // (sql/meta/014): the standby copy keeps the highest version it was sent.
  int64_t version = 0;
  // Offsets to write when saving, in the same transaction (a commit).
  std::vector<rpc::OffsetCommitPartition> commits;
};

struct CommittedOffsetRow {
  std::string group_id;
  std::string topic;
  int partition = 0;
  int64_t offset = 0;  // the next offset the group will consume
  int64_t committed_ms = 0;
};

// A group as the metaserver's lag collector and message trace see it.
struct GroupRow {
  std::string group_id;
  std::string state;  // Empty, PreparingRebalance, CompletingRebalance, Stable
  int members = 0;    // members that joined (not pending)
  std::set<std::string> subscribed_topics;  // union of those members' subscriptions
};

// A committed offset moved because retention removed the messages it pointed at.
struct OffsetResetEventRecord {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string group_id;
  std::string topic;
  int partition = 0;
  int64_t old_offset = 0;
  int64_t new_offset = 0;
  std::string policy;  // earliest, latest
  std::string reason;  // retention
};

}  // namespace mq
