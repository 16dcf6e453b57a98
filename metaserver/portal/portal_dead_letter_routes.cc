// /api/dead-letters: consumer groups' dead letters for the portal (docs/dead-letters.md,
// docs/portal.md): list the (group, topic) pairs with counts, read one pair's dead letters
// with their failure history, replay one or all, purge. The list is open to anyone signed in;
// a pair's dead letters are copies of the original topic's messages and are shown to whoever
// may read that topic or the dead-letter topic (portal_topic_access.h: the wire's rule);
// replay and purge are for admins and the members of the group's owner team, and replay
// also needs the right to send to the topic it writes to. Everything goes
// through DeadLetterService, which validates, audits (actor: the caller) and refuses bad
// input with MqError (mapped to 400/404 by guardedApi).
#include <fmt/format.h>

#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"
#include "metaserver/portal/portal_topic_access.h"

namespace mq {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

// The owner team of `topic`, "" when it has none or is gone.
std::string topicOwner(PortalContext& portal, const std::string& topic) {
  try {
    return portal.services.topics.describe(topic).owner_team;
  } catch (const rpc::MqError&) {
    return "";
  }
}

// Whether the caller may see the pair's dead letters: read the original topic or the
// dead-letter topic (owned by the group's team).
bool mayShow(PortalContext& portal, const TopicAccess& access, const DeadLetterRecord& pair) {
  return access.mayRead(pair.topic, topicOwner(portal, pair.topic)) ||
         access.mayRead(pair.dead_letter_topic, topicOwner(portal, pair.dead_letter_topic));
}

void writeSummary(JsonWriter& json, const DeadLetterStats& s, const std::string& owner_team,
                  bool can_change, bool can_read) {
  json.beginObject()
      .field("group", s.record.group_id)
      .field("topic", s.record.topic)
      .field("dead_letter_topic", s.record.dead_letter_topic)
      .field("retry_topic", s.record.retry_topic)
      .field("owner_team", owner_team)
      .field("created_ms", s.record.created_ms)
      .field("messages", s.backlog())
      .field("dead_lettered", s.end_offset)
      .field("retried", s.retried)
      .field("start_offset", s.start_offset)
      .field("end_offset", s.end_offset)
      .field("error", s.error)
      .field("can_change", can_change)
      .field("can_read", can_read)
      .end();
}

HttpResponse listPairs(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const std::string group = request.param("group").value_or("");
  const TopicAccess access(portal.services.meta_pool, who);
  JsonWriter json;
  json.beginObject().key("dead_letters").beginArray();
  for (const auto& stats : portal.services.dead_letters.list(group)) {
    // The group's owner team now (the pair's record keeps the team it had when created).
    const std::string owner = groupOwner(portal, stats.record.group_id);
    writeSummary(json, stats, owner, who.mayChange(owner), mayShow(portal, access, stats.record));
  }
  json.end().end();
  return apiJson(200, json.str());
}

// "replays": the pair's replays from the audit log (dead_letters.replay, newest first, the
// last kReplaysShown), each with the dead-letter offsets it replayed: the page marks those
// letters and asks before replaying them again. Rows written before the offsets were
// recorded are left out.
constexpr int kReplaysShown = 200;
void writeReplays(JsonWriter& json, PortalContext& portal, const std::string& group,
                  const std::string& topic) {
  AuditQuery query;
  query.object = fmt::format("{}/{}", group, topic);
  query.action = "dead_letters.replay";
  query.limit = kReplaysShown;
  json.key("replays").beginArray();
  for (const auto& row : portal.audit_log.list(query)) {
    std::optional<int64_t> first, last;
    std::string target_topic;
    try {
      const auto after = JsonBody::parse(row.after_json);
      first = after.integer("first_offset", 0, INT64_MAX);
      last = after.integer("last_offset", 0, INT64_MAX);
      target_topic = after.text("target_topic").value_or("");
    } catch (const ApiError&) {
      continue;  // not a row this code wrote
    }
    if (!first || !last) continue;
    json.beginObject()
        .field("at_ms", row.at_ms)
        .field("by", row.actor)
        .field("target_topic", target_topic)
        .field("first_offset", *first)
        .field("last_offset", *last)
        .end();
  }
  json.end();
}

HttpResponse showPair(PortalContext& portal, const HttpRequest& request, const std::string& group,
                      const std::string& topic) {
  const Principal who = portal.auth.principal(request);
  const int limit =
      static_cast<int>(queryInteger(request, "limit", 1, kMaxPageSize, kDefaultPageSize));
  const int64_t offset = queryInteger(request, "offset", 0, INT64_MAX / 2, -1);
  const auto stats = portal.services.dead_letters.stats(group, topic);
  const TopicAccess access(portal.services.meta_pool, who);
  if (!mayShow(portal, access, stats.record)) {
    access.requireRead(topic, topicOwner(portal, topic));  // throws, naming the topic
  }
  const auto letters = portal.services.dead_letters.read(stats, offset, limit);
  const std::string owner = groupOwner(portal, group);
  JsonWriter json;
  json.beginObject().key("summary");
  writeSummary(json, stats, owner, who.mayChange(owner), true);
  json.field("next_offset",
             letters.empty() ? std::max(offset, stats.start_offset) : letters.back().offset + 1);
  json.key("messages").beginArray();
  for (const auto& m : letters) {
    std::optional<std::string> key;
    if (m.__isset.key) key = m.key;
    writeMessage(json, m.offset, m.timestamp_ms, m.append_time_ms, key, m.value, m.headers);
  }
  json.end();
  writeReplays(json, portal, group, topic);
  json.end();
  return apiJson(200, json.str());
}

HttpResponse replay(PortalContext& portal, const HttpRequest& request, const std::string& group,
                    const std::string& topic) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  const bool all = body.boolean("all").value_or(false);
  const auto offset = body.integer("offset", 0, INT64_MAX / 2);
  if (all == offset.has_value()) {
    throwBadField("offset", "give either an offset or \"all\": true");
  }
  const std::string target = body.text("target").value_or("original");
  if (target != "original" && target != "retry") {
    throwBadField("target", "target must be original or retry");
  }
  PortalAuth::requireChange(who, groupOwner(portal, group),
                            fmt::format("the dead letters of group `{}`", group));
  const auto stats = portal.services.dead_letters.stats(group, topic);
  const std::string& written = target == "retry" ? stats.record.retry_topic : topic;
  TopicAccess(portal.services.meta_pool, who).requireWrite(written, topicOwner(portal, written));
  std::string target_topic;
  const auto offsets =
      portal.services.dead_letters.replay(who.actor, group, topic, offset, target, &target_topic);
  JsonWriter json;
  json.beginObject()
      .field("target_topic", target_topic)
      .field("replayed", static_cast<int64_t>(offsets.size()))
      .end();
  return apiJson(200, json.str());
}

HttpResponse purge(PortalContext& portal, const HttpRequest& request, const std::string& group,
                   const std::string& topic) {
  const Principal who = portal.auth.principal(request);
  PortalAuth::requireChange(who, groupOwner(portal, group),
                            fmt::format("the dead letters of group `{}`", group));
  int64_t start_offset = 0;
  const int64_t purged = portal.services.dead_letters.purge(who.actor, group, topic, &start_offset);
  JsonWriter json;
  json.beginObject().field("purged", purged).field("start_offset", start_offset).end();
  return apiJson(200, json.str());
}

HttpResponse deadLetterResource(PortalContext& portal, const HttpRequest& request) {
  // /api/dead-letters, /api/dead-letters/{group}/{topic}, .../{replay|purge}
  const auto& s = request.segments;
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (s.size() == 2) {
    if (read) return listPairs(portal, request);
    return methodNotAllowed(request, "GET");
  }
  if (s.size() == 4) {
    if (read) return showPair(portal, request, s[2], s[3]);
    return methodNotAllowed(request, "GET");
  }
  if (s.size() == 5 && (s[4] == "replay" || s[4] == "purge")) {
    if (request.method != "POST") return methodNotAllowed(request, "POST");
    return s[4] == "replay" ? replay(portal, request, s[2], s[3])
                            : purge(portal, request, s[2], s[3]);
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

}  // namespace

void registerDeadLetterRoutes(HttpServer& server, PortalContext& portal) {
  for (const char* method : {"GET", "POST"}) {
    server.route(method, "/api/dead-letters", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return deadLetterResource(portal, request); });
    });
  }
}

}  // namespace mq
