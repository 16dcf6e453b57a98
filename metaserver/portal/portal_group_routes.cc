// GET /api/groups/{group} (through the lag API's group_details), POST
// /api/groups/{group}/reset-offsets and POST /api/groups/{group}/owner (portal_routes.h);
// and the ownership check of alert changes.
#include <fmt/format.h>

#include <map>
#include <set>

#include "common/clock.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

constexpr size_t kMaxGroupIdLength = 255;

void checkGroupId(const std::string& group_id) {
  if (group_id.empty() || group_id.size() > kMaxGroupIdLength) {
    throw ApiError(400, "invalid_request", "a group id has 1 to 255 characters");
  }
}

void writeCommitted(JsonWriter& json, const std::vector<client::CommittedOffset>& offsets) {
  json.beginArray();
  for (const auto& o : offsets) {
    json.beginObject()
        .field("topic", o.topic)
        .field("partition", o.partition)
        .field("offset", o.offset)
        .field("committed_ms", o.committed_ms)
        .end();
  }
  json.end();
}

struct PlannedReset {
  PartitionKey partition;
  int64_t current = -1;  // -1: nothing committed
  int64_t target = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;
};

// Which partitions to reset, and to what, as the request asks.
std::vector<PlannedReset> planReset(PortalContext& portal, const std::string& group_id,
                                    const JsonBody& body) {
  const std::string to = body.text("to").value_or("");
  if (to != "earliest" && to != "latest" && to != "offset" && to != "time") {
    throwBadField("to", "`to` must be earliest, latest, offset or time");
  }
  std::optional<int64_t> offset, time_ms;
  if (to == "offset") {
    offset = body.integer("offset", 0, INT64_MAX / 2);
    if (!offset) throwBadField("offset", "enter the offset to reset to");
  }
  if (to == "time") {
    time_ms = body.integer("time_ms", 0, INT64_MAX / 2);
    if (!time_ms) throwBadField("time_ms", "enter the time to reset to (ms since the epoch)");
  }
  const auto committed = portal.brokers.committedOffsets(group_id);
  std::map<PartitionKey, int64_t> current;
  for (const auto& o : committed) current[{o.topic, o.partition}] = o.offset;

  std::vector<PartitionKey> targets;
  const std::string topic = body.text("topic").value_or("");
  const auto partitions = body.texts("partitions");
  if (!topic.empty()) {
    const TopicRecord record = portal.services.topics.describe(topic);
    const int count = static_cast<int>(record.partitions.size());
    if (partitions.empty()) {
      for (int p = 0; p < count; ++p) targets.push_back({topic, p});
    } else {
      for (const auto& text : partitions) {
        const bool digits = !text.empty() && text.size() < 6 &&
                            text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoi(text) >= count) {
          throwBadField("partitions", fmt::format("`{}` is not a partition of `{}` (0..{})", text,
                                                  topic, count - 1));
        }
        targets.push_back({topic, std::stoi(text)});
      }
    }
  } else {
    if (!partitions.empty()) throwBadField("topic", "name the topic of these partitions");
    for (const auto& [tp, o] : current) targets.push_back(tp);
    if (targets.empty()) {
      throwBadField("topic",
                    fmt::format("group `{}` has no committed offsets: name a topic", group_id));
    }
  }

  std::vector<OffsetLookup> queries;
  for (const auto& tp : targets) {
    OffsetLookup query;
    query.partition = tp;
    query.spec = to == "earliest" ? OffsetLookup::Spec::kEarliest
                 : to == "time"   ? OffsetLookup::Spec::kTimestamp
                                  : OffsetLookup::Spec::kLatest;
    query.timestamp_ms = time_ms.value_or(0);
    queries.push_back(query);
  }
  const auto answers = portal.brokers.listOffsets(queries);
  std::vector<PlannedReset> plan;
  for (size_t i = 0; i < targets.size(); ++i) {
    PlannedReset reset;
    reset.partition = targets[i];
    auto it = current.find(targets[i]);
    if (it != current.end()) reset.current = it->second;
    reset.start_offset = answers[i].start_offset;
    reset.end_offset = answers[i].end_offset;
    reset.target = answers[i].offset;
    if (offset) {
      if (*offset < reset.start_offset || *offset > reset.end_offset) {
        throwBadField("offset", fmt::format("offset {} is outside partition {} of `{}` ({}..{})",
                                            *offset, targets[i].second, targets[i].first,
                                            reset.start_offset, reset.end_offset));
      }
      reset.target = *offset;
    }
    plan.push_back(reset);
  }
  return plan;
}

std::string offsetsJson(const std::vector<PlannedReset>& plan, bool after) {
  JsonWriter json;
  json.beginObject().key("offsets").beginArray();
  for (const auto& r : plan) {
    json.beginObject()
        .field("topic", r.partition.first)
        .field("partition", r.partition.second)
        .field("offset", after ? r.target : r.current)
        .end();
  }
  json.end().end();
  return json.str();
}

HttpResponse resetOffsets(PortalContext& portal, const HttpRequest& request,
                          const std::string& group_id) {
  const Principal who = portal.auth.principal(request);
  checkGroupId(group_id);
  auto body = JsonBody::parse(request.body);
  const bool dry_run = body.boolean("dry_run").value_or(false);
  const std::string owner = groupOwner(portal, group_id);
  // A dry run only reads: anyone signed in may preview.
  if (!dry_run) PortalAuth::requireChange(who, owner, fmt::format("group `{}`", group_id));
  const auto plan = planReset(portal, group_id, body);
  const auto group = portal.brokers.describeGroup(group_id);
  const int members = static_cast<int>(group.members.size());
  if (!dry_run) {
    std::map<PartitionKey, int64_t> offsets;
    for (const auto& r : plan) offsets[r.partition] = r.target;
    // The coordinator refuses (GROUP_NOT_EMPTY, 409) while members are active.
    portal.brokers.resetOffsets(group_id, offsets);
    portal.services.audit.recordDone(who.actor, "group.reset_offsets", group_id,
                                     offsetsJson(plan, false), offsetsJson(plan, true));
  }
  JsonWriter json;
  json.beginObject()
      .field("group", group_id)
      .field("dry_run", dry_run)
      .field("state", group.state)
      .field("members", members)
      .field("can_change", who.mayChange(owner))
      .key("offsets")
      .beginArray();
  for (const auto& r : plan) {
    json.beginObject()
        .field("topic", r.partition.first)
        .field("partition", r.partition.second)
        .field("current", r.current)
        .field("new", r.target)
        .field("start_offset", r.start_offset)
        .field("end_offset", r.end_offset)
        .end();
  }
  json.end();
  if (dry_run && members > 0) {
    json.field("warning", fmt::format("the group has {} active member(s): stop them before "
                                      "resetting, or the reset is refused",
                                      members));
  }
  json.end();
  return apiJson(200, json.str());
}

HttpResponse setOwner(PortalContext& portal, const HttpRequest& request,
                      const std::string& group_id) {
  const Principal who = portal.auth.principal(request);
  checkGroupId(group_id);
  PortalAuth::requireAdmin(who, "set a group's owner team");
  auto body = JsonBody::parse(request.body);
  if (!body.has("team")) throwBadField("team", "choose a team (\"\" for none)");
  const std::string team = *body.text("team");
  if (!team.empty() && !portal.users.findTeam(team)) {
    throwBadField("team", fmt::format("there is no team `{}`", team));
  }
  AuditTrail::Change change(portal.services.audit);
  const std::string before = groupOwner(portal, group_id);
  if (team.empty()) {
    portal.owners.remove(group_id);
  } else {
    portal.owners.set({group_id, team, nowMs(), who.actor});
  }
  JsonWriter before_json, after_json;
  before_json.beginObject().field("owner_team", before).end();
  after_json.beginObject().field("owner_team", team).end();
  portal.services.audit.record(who.actor, "group.set_owner", group_id, before_json.str(),
                               after_json.str());
  change.commit();
  JsonWriter json;
  json.beginObject().field("group", group_id).field("owner_team", team).end();
  return apiJson(200, json.str());
}

HttpResponse groupAction(PortalContext& portal, const HttpRequest& request) {
  // POST /api/groups/{group}/{reset-offsets|owner}
  const auto& s = request.segments;
  if (s.size() == 4 && s[3] == "reset-offsets") return resetOffsets(portal, request, s[2]);
  if (s.size() == 4 && s[3] == "owner") return setOwner(portal, request, s[2]);
  return apiErrorResponse(404, "not_found",
                          "use POST /api/groups/{group}/reset-offsets or .../owner");
}

}  // namespace

std::string groupOwner(PortalContext& portal, const std::string& group_id) {
  auto owner = portal.owners.find(group_id);
  return owner ? owner->owner_team : "";
}

HttpResponse groupDetails(PortalContext& portal, const HttpRequest& request) {
  return guardedApi([&] {
    const auto& s = request.segments;
    if (s.size() == 4 && s[3] == "history") return groupHistory(portal, request, s[2]);
    if (s.size() != 3) {
      return apiErrorResponse(404, "not_found",
                              "use /api/groups/{group}, /api/groups/{group}/lag, "
                              "/api/groups/{group}/status or /api/groups/{group}/history");
    }
    const Principal who = portal.auth.principal(request);
    checkGroupId(s[2]);
    const std::string owner = groupOwner(portal, s[2]);
    const auto group = portal.brokers.describeGroup(s[2]);
    JsonWriter json;
    json.beginObject()
        .field("group", s[2])
        .field("owner_team", owner)
        .field("can_change", who.mayChange(owner))
        .field("state", group.state)
        .field("generation", group.generation_id)
        .field("protocol", group.protocol_name)
        .field("leader", group.leader_id)
        .key("members")
        .beginArray();
    for (const auto& m : group.members) {
      json.beginObject()
          .field("member_id", m.member_id)
          .field("instance_id", m.group_instance_id.value_or(""))
          .field("client_id", m.client_id)
          .field("client_host", m.client_host)
          .field("last_heartbeat_ms", m.last_heartbeat_ms)
          .key("topics")
          .beginArray();
      for (const auto& topic : m.topics) json.value(topic);
      json.end().key("assignment").beginArray();
      for (const auto& tps : m.assignment) {
        json.beginObject().field("topic", tps.topic).key("partitions").beginArray();
        for (int p : tps.partitions) json.value(p);
        json.end().end();
      }
      json.end().end();
    }
    json.end().key("offsets");
    writeCommitted(json, group.offsets);
    json.end();
    return apiJson(200, json.str());
  });
}

void authorizeAlertChange(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  if (who.admin) return;
  std::string group;
  if (request.method == "POST") {
    group = JsonBody::parse(request.body).text("group").value_or("");
    if (group.empty()) return;  // the lag API refuses it with a clear message
  } else if (request.segments.size() == 3) {
    auto rule = portal.services.alerts.find(request.segments[2]);
    if (!rule) return;  // the lag API answers 404
    group = rule->group_id;
  } else {
    return;
  }
  PortalAuth::requireChange(who, groupOwner(portal, group),
                            fmt::format("the alerts of group `{}`", group));
}

void registerGroupRoutes(HttpServer& server, PortalContext& portal) {
  server.route("POST", "/api/groups", [&portal](const HttpRequest& request) {
    return guardedApi([&] { return groupAction(portal, request); });
  });
}

}  // namespace mq
