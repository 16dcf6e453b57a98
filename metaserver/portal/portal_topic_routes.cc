// /api/topics: list, create, describe, change retention, description and owner team, delete,
// add partitions, browse messages and send a test message (portal_routes.h); a partition's
// own routes are in portal_partition_routes.cc.
#include <fmt/format.h>

#include <algorithm>

#include "common/text_encoding.h"
#include "common/topic_name.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"
#include "metaserver/portal/portal_topic_access.h"

namespace mq {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

// `access`, when given, adds whether the caller may read and send messages (portal_topic_access.h).
void writeTopic(JsonWriter& json, const TopicRecord& topic, const Principal& who,
                const TopicAccess* access = nullptr) {
  json.beginObject();
  if (access) {
    json.field("can_read_messages", access->mayRead(topic.name, topic.owner_team))
        .field("can_send_messages", access->mayWrite(topic.name, topic.owner_team));
  }
  json.field("name", topic.name)
      .field("partitions", static_cast<int64_t>(topic.partitions.size()))
      .field("retention_ms", topic.retention_ms)
      .field("retention_bytes", topic.retention_bytes)
      .field("retention_messages", topic.retention_messages)
      .field("owner_team", topic.owner_team)
      .field("description", topic.description)
      .field("created_ms", topic.created_ms)
      .field("can_change", who.mayChange(topic.owner_team))
      .end();
}

HttpResponse listTopics(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const std::string search = request.param("search").value_or("");
  auto topics = portal.services.topics.list();
  std::sort(topics.begin(), topics.end(),
            [](const TopicRecord& a, const TopicRecord& b) { return a.name < b.name; });
  JsonWriter json;
  json.beginObject().key("topics").beginArray();
  for (const auto& topic : topics) {
    if (!search.empty() && topic.name.find(search) == std::string::npos &&
        topic.owner_team.find(search) == std::string::npos &&
        topic.description.find(search) == std::string::npos) {
      continue;
    }
    writeTopic(json, topic, who);
  }
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse createTopic(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  TopicSpec create;
  create.name = body.text("name").value_or("");
  if (auto problem = topicNameProblem(create.name)) throwBadField("name", *problem);
  if (!body.has("partitions")) throwBadField("partitions", "enter the number of partitions");
  create.partitions = static_cast<int>(*body.integer("partitions", 1, kMaxPartitions));
  create.retention_ms = body.integer("retention_ms", 0, INT64_MAX / 2).value_or(0);
  create.description = body.text("description").value_or("");
  if (create.description.size() > 1024) {
    throwBadField("description", "the description may have at most 1024 characters");
  }
  create.owner_team = body.text("owner_team").value_or("");
  if (create.owner_team.empty()) {
    if (!who.admin) throwBadField("owner_team", "choose the team that will own the topic");
  } else if (!portal.users.findTeam(create.owner_team)) {
    throwBadField("owner_team", fmt::format("there is no team `{}`", create.owner_team));
  } else if (!who.mayChange(create.owner_team)) {
    throw ApiError(403, "forbidden",
                   fmt::format("you are not a member of team `{}`", create.owner_team),
                   "owner_team");
  }
  const TopicRecord created = portal.services.topics.create(who.actor, create);
  JsonWriter json;
  writeTopic(json, portal.services.topics.describe(created.name), who);
  return apiJson(201, json.str());
}

void writeLifecycle(JsonWriter& json, const rpc::TopicLifecycle& lifecycle) {
  json.key("partitions").beginArray();
  for (const auto& p : lifecycle.partitions) writePartition(json, p);
  json.end();
}

// The lag of every group on `topic` from the collector's last cycle (none on a standby).
void writeTopicGroups(JsonWriter& json, PortalContext& portal, const std::string& topic) {
  auto snapshot = portal.services.collector.snapshot();
  json.field("lag_collected_ms", snapshot ? snapshot->collected_ms : int64_t{0});
  json.key("groups").beginArray();
  if (snapshot) {
    for (const auto& [id, group] : snapshot->groups) {
      int64_t total = 0;
      bool consumes = false;
      for (const auto& p : group.partitions) {
        if (p.topic != topic) continue;
        consumes = true;
        total += p.lag;
      }
      if (!consumes) continue;
      json.beginObject()
          .field("group", group.group)
          .field("state", group.state)
          .field("members", group.members)
          .field("status", lagStatusName(group.status))
          .field("lag", total)
          .key("partitions")
          .beginArray();
      for (const auto& p : group.partitions) {
        if (p.topic != topic) continue;
        json.beginObject()
            .field("partition", p.partition)
            .field("committed_offset", p.committed_offset)
            .field("end_offset", p.end_offset)
            .field("lag", p.lag)
            .field("lag_seconds", p.lag_seconds)
            .field("status", lagStatusName(p.status))
            .end();
      }
      json.end().end();
    }
  }
  json.end();
}

HttpResponse describeTopic(PortalContext& portal, const HttpRequest& request,
                           const std::string& name) {
  const Principal who = portal.auth.principal(request);
  const TopicRecord topic = portal.services.topics.describe(name);
  const rpc::TopicLifecycle lifecycle = portal.services.lifecycle.describe(name);
  JsonWriter json;
  const TopicAccess access(portal.services.meta_pool, who);
  json.beginObject().key("topic");
  writeTopic(json, topic, who, &access);
  writeLifecycle(json, lifecycle);
  writeTopicGroups(json, portal, name);
  json.end();
  return apiJson(200, json.str());
}

// Who may set `owner` as the owner team of `topic` (the caller may change the topic): admins
// any team or none; members of the owning team only a team they also belong to, so a topic
// is neither pushed onto a team that did not ask for it nor left to admins only by mistake.
// Throws ApiError 400 (unknown team) or 403 about owner_team.
void checkNewOwner(PortalContext& portal, const Principal& who, const TopicRecord& topic,
                   const std::string& owner) {
  if (owner == topic.owner_team) return;
  if (owner.empty()) {
    if (who.admin) return;
    throw ApiError(403, "forbidden",
                   "only admins may leave a topic without an owner team; choose a team",
                   "owner_team");
  }
  if (!portal.users.findTeam(owner)) {
    throwBadField("owner_team", fmt::format("there is no team `{}`", owner));
  }
  if (!who.mayChange(owner)) {
    throw ApiError(403, "forbidden",
                   fmt::format("you are not a member of team `{}`: hand the topic to a team of "
                               "yours, or ask an admin",
                               owner),
                   "owner_team");
  }
}

HttpResponse patchTopic(PortalContext& portal, const HttpRequest& request,
                        const std::string& name) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  for (const char* fixed : {"name", "partitions"}) {
    if (body.has(fixed)) {
      throwBadField(fixed, fmt::format("`{}` cannot be changed here (only retention_ms, "
                                       "retention_bytes, retention_messages, description and "
                                       "owner_team; partitions are added with POST "
                                       "/api/topics/{{name}}/partitions)",
                                       fixed));
    }
  }
  // Everything is checked before anything changes.
  constexpr int64_t kMax = INT64_MAX / 2;
  const auto retention_ms = body.integer("retention_ms", 1, kMax);
  const auto retention_bytes = body.integer("retention_bytes", 0, kMax);
  const auto retention_messages = body.integer("retention_messages", 0, kMax);
  const bool retention = retention_ms || retention_bytes || retention_messages;
  auto description = body.text("description");
  if (description && description->size() > 1024) {
    throwBadField("description", "the description may have at most 1024 characters");
  }
  auto owner = body.text("owner_team");
  if (!retention && !description && !owner) {
    throw ApiError(400, "invalid_request",
                   "give retention_ms, retention_bytes, retention_messages, description or "
                   "owner_team to change");
  }
  const TopicRecord topic = topicToChange(portal, who, name);
  if (owner) checkNewOwner(portal, who, topic, *owner);
  if (retention) {
    portal.services.lifecycle.setRetention(who.actor, name, retention_ms, retention_bytes,
                                           retention_messages);
  }
  // Only what differs is written (and audited as topic.update).
  if (description && *description == topic.description) description.reset();
  if (owner && *owner == topic.owner_team) owner.reset();
  if (description || owner) {
    portal.services.topics.updateDetails(who.actor, name, description, owner);
  }
  JsonWriter json;
  writeTopic(json, portal.services.topics.describe(name), who);
  return apiJson(200, json.str());
}

HttpResponse deleteTopic(PortalContext& portal, const HttpRequest& request,
                         const std::string& name) {
  const Principal who = portal.auth.principal(request);
  const std::string force = request.param("force").value_or("false");
  if (force != "true" && force != "false") {
    throwBadField("force", "force must be true or false");
  }
  topicToChange(portal, who, name);
  const rpc::DeleteTopicResponse deleted =
      portal.services.lifecycle.deleteTopic(who.actor, name, force == "true");
  JsonWriter json;
  json.beginObject()
      .field("deleted", deleted.name)
      .field("drop_after_ms", deleted.drop_after_ms)
      .key("groups")
      .beginArray();
  for (const auto& group : deleted.groups) json.value(group);
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse addPartitions(PortalContext& portal, const HttpRequest& request,
                           const std::string& name) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  if (!body.has("count")) throwBadField("count", "enter how many partitions to add");
  const auto count = *body.integer("count", 1, kMaxPartitions);
  const TopicRecord topic = topicToChange(portal, who, name);
  if (static_cast<int64_t>(topic.partitions.size()) + count > kMaxPartitions) {
    throwBadField("count", fmt::format("a topic has at most {} partitions; `{}` has {}",
                                       kMaxPartitions, name, topic.partitions.size()));
  }
  portal.services.topics.addPartitions(who.actor, name, static_cast<int>(count));
  JsonWriter json;
  writeTopic(json, portal.services.topics.describe(name), who);
  return apiJson(200, json.str());
}

HttpResponse browseMessages(PortalContext& portal, const HttpRequest& request,
                            const std::string& name) {
  const Principal who = portal.auth.principal(request);
  const TopicRecord topic = portal.services.topics.describe(name);
  TopicAccess(portal.services.meta_pool, who).requireRead(name, topic.owner_team);
  if (!request.param("partition")) throwBadField("partition", "choose a partition");
  const int partition = static_cast<int>(
      queryInteger(request, "partition", 0, static_cast<int64_t>(topic.partitions.size()) - 1, 0));
  const int limit =
      static_cast<int>(queryInteger(request, "limit", 1, kMaxPageSize, kDefaultPageSize));
  OffsetLookup lookup;
  lookup.partition = {name, partition};
  lookup.spec = OffsetLookup::Spec::kLatest;
  const auto bounds = portal.brokers.listOffsets({lookup}).at(0);
  // Without an offset: the newest page.
  int64_t offset = queryInteger(request, "offset", 0, INT64_MAX / 2,
                                std::max(bounds.start_offset, bounds.end_offset - limit));
  offset = std::max(offset, bounds.start_offset);
  auto messages = portal.brokers.read(name, partition, offset, limit, bounds.end_offset);
  JsonWriter json;
  json.beginObject()
      .field("topic", name)
      .field("partition", partition)
      .field("start_offset", bounds.start_offset)
      .field("end_offset", bounds.end_offset)
      .field("offset", offset)
      .field("next_offset", messages.empty() ? offset : messages.back().offset + 1)
      .key("messages")
      .beginArray();
  for (const auto& m : messages) {
    writeMessage(json, m.offset, m.timestamp_ms, m.append_time_ms, m.key, m.value, m.headers);
  }
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse sendMessage(PortalContext& portal, const HttpRequest& request,
                         const std::string& name) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  const TopicRecord topic = portal.services.topics.describe(name);
  TopicAccess(portal.services.meta_pool, who).requireWrite(name, topic.owner_team);
  TestMessage record;
  record.topic = name;
  if (!body.has("value")) throwBadField("value", "enter the message's value");
  record.value = *body.text("value");
  if (auto key = body.text("key"); key && !key->empty()) record.key = *key;
  if (auto partition =
          body.integer("partition", 0, static_cast<int64_t>(topic.partitions.size()) - 1)) {
    record.partition = static_cast<int>(*partition);
  }
  record.headers = body.textMap("headers");
  record.headers["mq-sent-by"] = who.actor;  // marks it a test message from the portal
  const SentMessage sent = portal.brokers.send(record);
  JsonWriter after;
  after.beginObject()
      .field("partition", sent.partition)
      .field("offset", sent.offset)
      .field("key", record.key.value_or(""))
      .field("value_bytes", static_cast<int64_t>(record.value.size()))
      .end();
  portal.services.audit.recordDone(who.actor, "message.send", name, "", after.str());
  JsonWriter json;
  json.beginObject()
      .field("topic", sent.topic)
      .field("partition", sent.partition)
      .field("offset", sent.offset)
      .field("append_time_ms", sent.append_time_ms)
      .end();
  return apiJson(201, json.str());
}

HttpResponse topicResource(PortalContext& portal, const HttpRequest& request) {
  // /api/topics, /api/topics/{name}, /api/topics/{name}/{partitions|messages|offsets|trace|history}
  const auto& s = request.segments;
  const std::string& method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  if (s.size() == 2) {
    if (read) return listTopics(portal, request);
    if (method == "POST") return createTopic(portal, request);
    return methodNotAllowed(request, "GET, POST");
  }
  if (s.size() == 3) {
    if (read) return describeTopic(portal, request, s[2]);
    if (method == "PATCH") return patchTopic(portal, request, s[2]);
    if (method == "DELETE") return deleteTopic(portal, request, s[2]);
    return methodNotAllowed(request, "GET, PATCH, DELETE");
  }
  if (s.size() == 4 && s[3] == "partitions") {
    if (method == "POST") return addPartitions(portal, request, s[2]);
    return methodNotAllowed(request, "POST");
  }
  if (s.size() >= 5 && s[3] == "partitions") return partitionResource(portal, request);
  if (s.size() == 4 && s[3] == "history") {
    if (read) return topicHistory(portal, request, s[2]);
    return methodNotAllowed(request, "GET");
  }
  if (s.size() == 4 && s[3] == "trace") {
    if (read) return traceMessage(portal, request, s[2]);
    return methodNotAllowed(request, "GET");
  }
  if (s.size() == 4 && s[3] == "offsets") {
    if (read) return seekOffsets(portal, request, s[2]);
    return methodNotAllowed(request, "GET");
  }
  if (s.size() == 4 && s[3] == "messages") {
    if (read && isSearch(request)) return searchMessages(portal, request, s[2]);
    if (read) return browseMessages(portal, request, s[2]);
    if (method == "POST") return sendMessage(portal, request, s[2]);
    return methodNotAllowed(request, "GET, POST");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

}  // namespace

TopicRecord topicToChange(PortalContext& portal, const Principal& who, const std::string& name) {
  TopicRecord topic = portal.services.topics.describe(name);
  PortalAuth::requireChange(who, topic.owner_team, fmt::format("topic `{}`", name));
  return topic;
}

void writePartition(JsonWriter& json, const rpc::PartitionLifecycle& p) {
  json.beginObject()
      .field("partition", p.partition)
      .field("state", p.state)
      .field("writable", p.writable)
      .field("datanode", p.datanode_name)
      .field("start_offset", p.start_offset)
      .field("end_offset", p.end_offset)
      .field("messages", p.start_offset >= 0 ? p.end_offset - p.start_offset : int64_t{-1})
      .field("size_bytes", p.size_bytes)
      .field("replaced_by", p.replaced_by)
      .field("error", p.error)
      .end();
}

void registerTopicRoutes(HttpServer& server, PortalContext& portal) {
  for (const char* method : {"GET", "POST", "PATCH", "DELETE"}) {
    server.route(method, "/api/topics", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return topicResource(portal, request); });
    });
  }
}

}  // namespace mq
