// Topic lifecycle on the control plane: create, list, describe, delete, add partitions.
// Validates every request, places partitions on datanodes, creates and drops their tables
// through DatanodeRegistry and records the change (and an audit row) in the metadata DB.
//
// Refusals are MqError (INVALID_TOPIC_NAME, INVALID_REQUEST, INVALID_CONFIG, UNKNOWN_TOPIC,
// TOPIC_ALREADY_EXISTS, DATANODE_UNAVAILABLE) and change nothing. Metadata database errors
// propagate as sql::SQLException. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/topic_name.h"
#include "common/topology.h"
#include "metaserver/access/audit_trail.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/datanodes/partition_placement.h"
#include "storage/meta_store.h"

namespace mq {

// A topic to create (the client library's mq::client::NewTopic is its own type: no name is shared
// between the client and the metaserver, one binary links both).
struct TopicSpec {
  std::string name;
  int partitions = 0;        // 1..kMaxPartitions
  int64_t retention_ms = 0;  // 0 = kDefaultRetentionMs; negative is refused
  std::string owner_team;    // at most 64 characters
  std::string description;   // at most 1024 characters
};

class TopicService {
 public:
  TopicService(MetaStore& meta, DatanodeRegistry& datanodes, AuditTrail& audit);

  // `actor` (the caller's client id) is recorded in the audit log.
  TopicRecord create(const std::string& actor, const TopicSpec& topic);
  std::vector<TopicRecord> list();
  // Throws MqError UNKNOWN_TOPIC.
  TopicRecord describe(const std::string& name);
  // Drops the partition tables, then the metadata. No grace period: a broker still writing
  // to the topic sees its partitions disappear.
  void remove(const std::string& actor, const std::string& name);
  // Adds `count` partitions (1..kMaxPartitions, total at most kMaxPartitions), numbered from
  // the current count and placed like new ones.
  TopicRecord addPartitions(const std::string& actor, const std::string& name, int count);
  // Sets the description (at most 1024 characters) and the owner team (at most 64) where
  // given; audited as topic.update with the topic before and after. Who may do it is the
  // caller's business (the portal's team rules). Throws MqError UNKNOWN_TOPIC,
  // INVALID_REQUEST.
  TopicRecord updateDetails(const std::string& actor, const std::string& name,
                            const std::optional<std::string>& description,
                            const std::optional<std::string>& owner_team);

 private:
  // Datanode ids for `n` new partitions. Throws MqError INVALID_CONFIG without datanodes.
  std::vector<int> place(int n);
  // Calls `record` (a MetaStore insert) with a CreateTables callback that creates the
  // partition tables on their datanodes, and warns about tables left behind when the
  // metadata transaction fails after they were created.
  void recordWithTables(const std::function<void(const MetaStore::CreateTables&)>& record);

  MetaStore& meta_;
  DatanodeRegistry& datanodes_;
  AuditTrail& audit_;
  PartitionPlacer placer_;
};

}  // namespace mq
