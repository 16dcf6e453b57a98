#include "metaserver/cluster/topic_service.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "metaserver/portal/topology_json.h"

namespace mq {
namespace {

[[noreturn]] void refuse(const std::string& message) {
  throwError(rpc::ErrorCode::INVALID_REQUEST, message);
}

[[noreturn]] void unknownTopic(const std::string& name) {
  throwError(rpc::ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", name));
}

// Column widths of sql/meta: refuse here rather than fail in the database.
void validateDetails(const std::string& description, const std::string& owner_team) {
  if (owner_team.size() > 64) refuse("owner_team must be at most 64 characters");
  if (description.size() > 1024) refuse("description must be at most 1024 characters");
}

void validate(const TopicSpec& topic) {
  if (auto problem = topicNameProblem(topic.name)) {
    throwError(rpc::ErrorCode::INVALID_TOPIC_NAME, *problem);
  }
  if (auto problem = partitionCountProblem(topic.partitions)) refuse(*problem);
  if (topic.retention_ms < 0) {
    refuse(fmt::format("retention_ms must be >= 0 (0 = default of 7 days), got {}",
                       topic.retention_ms));
  }
  validateDetails(topic.description, topic.owner_team);
}

}  // namespace

TopicService::TopicService(MetaStore& meta, DatanodeRegistry& datanodes, AuditTrail& audit)
    : meta_(meta), datanodes_(datanodes), audit_(audit) {}

std::vector<int> TopicService::place(int n) {
  // Only active datanodes take new partitions (not decommissioning or decommissioned ones).
  auto counts = meta_.placementCounts();
  if (counts.empty()) {
    throwError(rpc::ErrorCode::INVALID_CONFIG,
               "no active datanode registered; add one with `mqctl datanode add`");
  }
  return placer_.place(std::move(counts), n);
}

void TopicService::recordWithTables(
    const std::function<void(const MetaStore::CreateTables&)>& record) {
  std::vector<std::string> created_tables;
  try {
    record([&](const std::vector<PartitionRecord>& partitions) {
      datanodes_.createPartitions(partitions);
      for (const auto& partition : partitions) created_tables.push_back(partition.table_name);
    });
  } catch (...) {
    // The tables exist but the metadata transaction failed after creating them. They are
    // not dropped: a failed COMMIT may still have committed, and then the topic would point
    // at missing tables. Name them so that an operator can check.
    if (!created_tables.empty()) {
      std::string tables;
      for (const auto& table : created_tables) tables += (tables.empty() ? "" : ",") + table;
      logWarn("partition tables may be orphaned: metadata commit failed after creating them")
          .kv("tables", tables);
    }
    throw;
  }
}

TopicRecord TopicService::create(const std::string& actor, const TopicSpec& spec) {
  validate(spec);
  TopicRecord topic;
  topic.name = spec.name;
  topic.retention_ms = spec.retention_ms == 0 ? kDefaultRetentionMs : spec.retention_ms;
  topic.owner_team = spec.owner_team;
  topic.description = spec.description;
  topic.created_ms = nowMs();
  auto placement = place(spec.partitions);
  for (int i = 0; i < spec.partitions; ++i) {
    PartitionRecord partition;
    partition.partition = i;
    partition.datanode_id = placement[i];
    partition.created_ms = topic.created_ms;
    topic.partitions.push_back(partition);
  }
  TopicRecord created;
  AuditTrail::Change change(audit_);
  recordWithTables([&](const MetaStore::CreateTables& create_tables) {
    created = meta_.insertTopic(std::move(topic), create_tables);
  });
  logInfo("topic created")
      .kv("topic", created.name)
      .kv("id", created.id)
      .kv("partitions", static_cast<int>(created.partitions.size()))
      .kv("actor", actor);
  audit_.record(actor, "topic.create", created.name, "", topicJson(created));
  change.commit();
  return created;
}

std::vector<TopicRecord> TopicService::list() {
  auto topology = meta_.loadTopology();
  std::vector<TopicRecord> topics;
  topics.reserve(topology.topics.size());
  for (auto& [name, topic] : topology.topics) topics.push_back(std::move(topic));
  return topics;
}

TopicRecord TopicService::describe(const std::string& name) {
  auto topic = meta_.findTopic(name);
  if (!topic) unknownTopic(name);
  return *topic;
}

void TopicService::remove(const std::string& actor, const std::string& name) {
  auto topic = meta_.findTopic(name);
  if (!topic) unknownTopic(name);
  datanodes_.dropPartitions(topic->partitions);
  meta_.deleteTopic(topic->id);
  logInfo("topic deleted").kv("topic", name).kv("id", topic->id).kv("actor", actor);
  audit_.record(actor, "topic.delete", name, topicJson(*topic), "");
}

TopicRecord TopicService::addPartitions(const std::string& actor, const std::string& name,
                                        int count) {
  if (count < 1 || count > kMaxPartitions) {
    refuse(fmt::format("count must be 1..{}, got {}", kMaxPartitions, count));
  }
  auto before = meta_.findTopic(name);
  if (!before) unknownTopic(name);
  const int current = static_cast<int>(before->partitions.size());
  if (current + count > kMaxPartitions) {
    refuse(fmt::format("topic `{}` has {} partitions; adding {} would exceed the limit of {}", name,
                       current, count, kMaxPartitions));
  }
  auto placement = place(count);
  std::vector<PartitionRecord> added;
  const int64_t now = nowMs();
  for (int i = 0; i < count; ++i) {
    PartitionRecord partition;
    partition.topic_id = before->id;
    partition.partition = current + i;
    partition.datanode_id = placement[i];
    partition.created_ms = now;
    added.push_back(partition);
  }
  AuditTrail::Change change(audit_);
  recordWithTables([&](const MetaStore::CreateTables& create_tables) {
    meta_.insertPartitions(std::move(added), create_tables);
  });
  auto after = meta_.findTopic(name);
  if (!after) unknownTopic(name);  // deleted meanwhile
  logInfo("partitions added")
      .kv("topic", name)
      .kv("added", count)
      .kv("partitions", static_cast<int>(after->partitions.size()))
      .kv("actor", actor);
  audit_.record(actor, "topic.add_partitions", name, topicJson(*before), topicJson(*after));
  change.commit();
  return *after;
}

TopicRecord TopicService::updateDetails(const std::string& actor, const std::string& name,
                                        const std::optional<std::string>& description,
                                        const std::optional<std::string>& owner_team) {
  auto before = meta_.findTopic(name);
  if (!before) unknownTopic(name);
  validateDetails(description.value_or(""), owner_team.value_or(""));
  AuditTrail::Change change(audit_);
  if (!meta_.updateTopicDetails(before->id, description, owner_team)) unknownTopic(name);
  auto after = meta_.findTopic(name);
  if (!after) unknownTopic(name);  // deleted meanwhile
  logInfo("topic details changed")
      .kv("topic", name)
      .kv("owner_team", after->owner_team)
      .kv("actor", actor);
  audit_.record(actor, "topic.update", name, topicJson(*before), topicJson(*after));
  change.commit();
  return *after;
}

}  // namespace mq
