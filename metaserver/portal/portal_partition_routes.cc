// A partition's own routes (portal_routes.h, docs/portal.md):
//   PATCH /api/topics/{t}/partitions/{p}        {"read_only": true|false}  the topic's team, admins
//   POST  /api/topics/{t}/partitions/{p}/migrate {"datanode": "..."}       admins
// Both go through MetaService's partition lifecycle (partition_lifecycle.h), which writes
// the metadata, seals or unseals the partition on its datanode and audits the change
// (partition.read_only, partition.writable, partition.migrate) with the caller as actor.
// Everything the portal can check is checked before anything changes.
//
// Migration is for admins only: it puts the partition's future writes on a datanode that
// every team shares (capacity and placement are the operators' business, as adding and
// decommissioning datanodes is), and it cannot be undone (it appends a partition number for
// good, which also moves where keys hash to).
#include <fmt/format.h>

#include <tuple>

#include "metaserver/json_api.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

// The partition named by a path segment. Throws ApiError 400 (not a number) or 404 (no such
// partition), both about `partition`.
int partitionNumber(const TopicRecord& topic, const std::string& segment) {
  const int count = static_cast<int>(topic.partitions.size());
  if (segment.empty() || segment.size() > 9 ||
      segment.find_first_not_of("0123456789") != std::string::npos) {
    throwBadField("partition", fmt::format("the partition is a number from 0 to {}, got `{}`",
                                           count - 1, segment));
  }
  const int number = std::stoi(segment);
  if (number >= count) {
    throw ApiError(404, "unknown_partition",
                   fmt::format("topic `{}` has no partition {}: its partitions are 0 to {}",
                               topic.name, number, count - 1),
                   "partition");
  }
  return number;
}

// Throws ApiError 409 about `partition` when it is retired: it never changes again.
void refuseRetired(const TopicRecord& topic, const PartitionRecord& partition) {
  if (!partition.retired()) return;
  throw ApiError(409, "partition_retired",
                 fmt::format("partition {} of `{}` is retired (it ended at offset {}): it "
                             "cannot change any more",
                             partition.partition, topic.name, partition.final_offset),
                 "partition");
}

HttpResponse patchPartition(PortalContext& portal, const HttpRequest& request,
                            const std::string& name, const std::string& segment) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  if (body.has("datanode")) {
    throwBadField("datanode",
                  "a partition is moved with POST "
                  "/api/topics/{name}/partitions/{partition}/migrate");
  }
  if (!body.has("read_only")) {
    throwBadField("read_only", "give read_only: true (refuse produce) or false (writable)");
  }
  const bool read_only = *body.boolean("read_only");
  const TopicRecord topic = topicToChange(portal, who, name);
  const int number = partitionNumber(topic, segment);
  refuseRetired(topic, topic.partitions[number]);
  const rpc::PartitionLifecycle changed =
      portal.services.lifecycle.setReadOnly(who.actor, name, number, read_only);
  JsonWriter json;
  writePartition(json, changed);
  return apiJson(200, json.str());
}

HttpResponse migratePartition(PortalContext& portal, const HttpRequest& request,
                              const std::string& name, const std::string& segment) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  PortalAuth::requireAdmin(who,
                           "migrate partitions: it moves a topic's writes to another shared "
                           "datanode and adds a partition for good");
  const std::string target = body.text("datanode").value_or("");
  if (target.empty()) throwBadField("datanode", "choose the datanode to move the partition to");
  const TopicRecord topic = portal.services.topics.describe(name);
  const int number = partitionNumber(topic, segment);
  const PartitionRecord& partition = topic.partitions[number];
  refuseRetired(topic, partition);
  if (partition.replaced_by >= 0) {
    throw ApiError(409, "partition_migrated",
                   fmt::format("partition {} of `{}` was migrated already: partition {} took "
                               "over its writes",
                               number, name, partition.replaced_by),
                   "partition");
  }
  if (static_cast<int>(topic.partitions.size()) >= kMaxPartitions) {
    throwBadField("partition", fmt::format("topic `{}` has {} partitions, the most a topic may "
                                           "have: a migration adds one",
                                           name, kMaxPartitions));
  }
  const std::vector<rpc::DatanodeLifecycle> datanodes = portal.services.lifecycle.datanodeStates();
  const rpc::DatanodeLifecycle* chosen = nullptr;
  std::string names;
  for (const auto& node : datanodes) {
    if (node.name == target) chosen = &node;
    names += (names.empty() ? "" : ", ") + node.name;
  }
  if (!chosen) {
    throwBadField("datanode", fmt::format("there is no datanode `{}` (there are: {})", target,
                                          names.empty() ? "none" : names));
  }
  if (chosen->id == partition.datanode_id) {
    throwBadField("datanode",
                  fmt::format("partition {} of `{}` is on datanode `{}` already: choose another",
                              number, name, target));
  }
  if (chosen->state != "active") {
    throwBadField("datanode", fmt::format("datanode `{}` is {}: it takes no new partitions", target,
                                          chosen->state));
  }
  rpc::MigratePartitionResponse moved;
  std::tie(moved.old_partition, moved.new_partition) =
      portal.services.lifecycle.migrate(who.actor, name, number, target);
  JsonWriter json;
  json.beginObject().key("old_partition");
  writePartition(json, moved.old_partition);
  json.key("new_partition");
  writePartition(json, moved.new_partition);
  json.end();
  return apiJson(200, json.str());
}

}  // namespace

HttpResponse partitionResource(PortalContext& portal, const HttpRequest& request) {
  // /api/topics/{name}/partitions/{partition}[/migrate]
  const auto& s = request.segments;
  const std::string& method = request.method;
  if (s.size() == 5) {
    if (method == "PATCH") return patchPartition(portal, request, s[2], s[4]);
    return methodNotAllowed(request, "PATCH");
  }
  if (s.size() == 6 && s[5] == "migrate") {
    if (method == "POST") return migratePartition(portal, request, s[2], s[4]);
    return methodNotAllowed(request, "POST");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

}  // namespace mq
