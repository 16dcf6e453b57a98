// /api/users, /api/teams, /api/audit and GET /api/cluster (portal_routes.h).
#include <fmt/format.h>

#include <map>

#include "common/clock.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/password_hash.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

std::string userJson(const UserRecord& user) {
  JsonWriter json;
  json.beginObject()
      .field("name", user.name)
      .field("admin", user.admin)
      .field("created_ms", user.created_ms)
      .field("password_ms", user.password_ms)
      .key("teams")
      .beginArray();
  for (const auto& team : user.teams) json.value(team);
  json.end().end();
  return json.str();
}

std::string teamJson(const TeamRecord& team) {
  JsonWriter json;
  json.beginObject()
      .field("name", team.name)
      .field("description", team.description)
      .field("created_ms", team.created_ms)
      .key("members")
      .beginArray();
  for (const auto& member : team.members) json.value(member);
  json.end().end();
  return json.str();
}

// --- /api/users --------------------------------------------------------------------------

HttpResponse listUsers(PortalContext& portal, const Principal& who) {
  PortalAuth::requireAdmin(who, "list users");
  JsonWriter json;
  json.beginObject().key("users").beginArray();
  for (const auto& user : portal.users.listUsers()) json.raw(userJson(user));
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse createUser(PortalContext& portal, const HttpRequest& request, const Principal& who) {
  PortalAuth::requireAdmin(who, "create users");
  auto body = JsonBody::parse(request.body);
  UserRecord user;
  user.name = body.text("name").value_or("");
  checkPrincipalName(user.name, "name", "a user name");
  user.admin = body.boolean("admin").value_or(false);
  for (const auto& team : body.texts("teams")) {
    if (!portal.users.findTeam(team)) {
      throwBadField("teams", fmt::format("there is no team `{}`", team));
    }
    user.teams.push_back(team);
  }
  std::string password = body.text("password").value_or("");
  const bool generated = password.empty();
  if (generated) password = generatePassword();
  user.password_hash = PortalAuth::hashNewPassword(password, "password");
  user.created_ms = user.password_ms = nowMs();
  AuditTrail::Change change(portal.services.audit);
  if (!portal.users.insertUser(user)) {
    throw ApiError(409, "user_exists", fmt::format("a user named `{}` exists", user.name), "name");
  }
  const std::string created = userJson(*portal.users.findUser(user.name));
  portal.services.audit.record(who.actor, "user.create", user.name, "", created);
  change.commit();
  JsonWriter json;
  json.beginObject().key("user").raw(created);
  // Shown once, to the admin who made it; stored only as a hash.
  if (generated) json.field("password", password);
  json.end();
  return apiJson(201, json.str());
}

HttpResponse deleteUser(PortalContext& portal, const Principal& who, const std::string& name) {
  PortalAuth::requireAdmin(who, "delete users");
  auto user = portal.users.findUser(name);
  if (!user) throw ApiError(404, "unknown_user", fmt::format("no user named `{}`", name));
  if (name == who.user) throw ApiError(409, "conflict", "you cannot delete yourself");
  if (user->admin && portal.users.adminCount() <= 1) {
    throw ApiError(409, "conflict", "the last admin cannot be deleted");
  }
  AuditTrail::Change change(portal.services.audit);
  portal.users.deleteUser(name);
  portal.sessions.removeUser(name);
  portal.services.audit.record(who.actor, "user.delete", name, userJson(*user), "");
  change.commit();
  JsonWriter json;
  json.beginObject().field("deleted", name).end();
  return apiJson(200, json.str());
}

// An admin sets another user's password (or their own): the given one, or a generated one
// shown once. Ends every session of that user.
HttpResponse setUserPassword(PortalContext& portal, const HttpRequest& request,
                             const Principal& who, const std::string& name) {
  PortalAuth::requireAdmin(who, "set other users' passwords");
  auto body = JsonBody::parse(request.body);
  std::string password = body.text("password").value_or("");
  if (!portal.users.findUser(name)) {
    throw ApiError(404, "unknown_user", fmt::format("no user named `{}`", name));
  }
  const bool generated = password.empty();
  if (generated) password = generatePassword();
  const std::string hash = PortalAuth::hashNewPassword(password, "password");
  AuditTrail::Change change(portal.services.audit);
  if (!portal.users.setPassword(name, hash, nowMs())) {
    throw ApiError(404, "unknown_user", fmt::format("no user named `{}`", name));
  }
  const int ended = portal.sessions.removeUser(name);
  JsonWriter after;
  after.beginObject().field("generated", generated).field("sessions_ended", ended).end();
  portal.services.audit.record(who.actor, "user.set_password", name, "", after.str());
  change.commit();
  JsonWriter json;
  json.beginObject().field("user", name).field("sessions_ended", ended);
  if (generated) json.field("password", password);  // shown once
  json.end();
  return apiJson(200, json.str());
}

HttpResponse userResource(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const auto& s = request.segments;
  if (s.size() == 2) {
    if (request.method == "GET" || request.method == "HEAD") return listUsers(portal, who);
    if (request.method == "POST") return createUser(portal, request, who);
    return methodNotAllowed(request, "GET, POST");
  }
  if (s.size() == 3) {
    if (request.method == "DELETE") return deleteUser(portal, who, s[2]);
    return methodNotAllowed(request, "DELETE");
  }
  if (s.size() == 4 && s[3] == "password") {
    if (request.method == "POST") return setUserPassword(portal, request, who, s[2]);
    return methodNotAllowed(request, "POST");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

// --- /api/teams --------------------------------------------------------------------------

HttpResponse createTeam(PortalContext& portal, const HttpRequest& request, const Principal& who) {
  PortalAuth::requireAdmin(who, "create teams");
  auto body = JsonBody::parse(request.body);
  TeamRecord team;
  team.name = body.text("name").value_or("");
  checkPrincipalName(team.name, "name", "a team name");
  team.description = body.text("description").value_or("");
  if (team.description.size() > 1024) {
    throwBadField("description", "the description may have at most 1024 characters");
  }
  team.created_ms = nowMs();
  AuditTrail::Change change(portal.services.audit);
  if (!portal.users.insertTeam(team)) {
    throw ApiError(409, "team_exists", fmt::format("a team named `{}` exists", team.name), "name");
  }
  const std::string created = teamJson(team);
  portal.services.audit.record(who.actor, "team.create", team.name, "", created);
  change.commit();
  return apiJson(201, created);
}

TeamRecord findTeam(PortalContext& portal, const std::string& name) {
  auto team = portal.users.findTeam(name);
  if (!team) throw ApiError(404, "unknown_team", fmt::format("no team named `{}`", name));
  return *team;
}

HttpResponse addMember(PortalContext& portal, const HttpRequest& request, const Principal& who,
                       const std::string& team_name) {
  PortalAuth::requireAdmin(who, "change team members");
  const TeamRecord before = findTeam(portal, team_name);
  auto body = JsonBody::parse(request.body);
  const std::string user = body.text("user").value_or("");
  if (user.empty() || !portal.users.findUser(user)) {
    throwBadField("user", fmt::format("there is no user `{}`", user));
  }
  AuditTrail::Change change(portal.services.audit);
  if (!portal.users.addMember(team_name, user, nowMs())) {
    throw ApiError(409, "conflict",
                   fmt::format("`{}` already is a member of `{}`", user, team_name), "user");
  }
  const std::string after = teamJson(findTeam(portal, team_name));
  portal.services.audit.record(who.actor, "team.add_member", team_name, teamJson(before), after);
  change.commit();
  return apiJson(201, after);
}

HttpResponse removeMember(PortalContext& portal, const Principal& who, const std::string& team_name,
                          const std::string& user) {
  PortalAuth::requireAdmin(who, "change team members");
  const TeamRecord before = findTeam(portal, team_name);
  AuditTrail::Change change(portal.services.audit);
  if (!portal.users.removeMember(team_name, user)) {
    throw ApiError(404, "not_a_member",
                   fmt::format("`{}` is not a member of `{}`", user, team_name));
  }
  const std::string after = teamJson(findTeam(portal, team_name));
  portal.services.audit.record(who.actor, "team.remove_member", team_name, teamJson(before), after);
  change.commit();
  return apiJson(200, after);
}

HttpResponse deleteTeam(PortalContext& portal, const Principal& who, const std::string& name) {
  PortalAuth::requireAdmin(who, "delete teams");
  const TeamRecord team = findTeam(portal, name);
  AuditTrail::Change change(portal.services.audit);
  portal.users.deleteTeam(name);
  portal.services.audit.record(who.actor, "team.delete", name, teamJson(team), "");
  change.commit();
  JsonWriter json;
  json.beginObject().field("deleted", name).end();
  return apiJson(200, json.str());
}

HttpResponse teamResource(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const auto& s = request.segments;
  const std::string& method = request.method;
  if (s.size() == 2) {
    if (method == "GET" || method == "HEAD") {
      JsonWriter json;
      json.beginObject().key("teams").beginArray();
      for (const auto& team : portal.users.listTeams()) json.raw(teamJson(team));
      json.end().end();
      return apiJson(200, json.str());
    }
    if (method == "POST") return createTeam(portal, request, who);
    return methodNotAllowed(request, "GET, POST");
  }
  if (s.size() == 3) {
    if (method == "GET" || method == "HEAD") return apiJson(200, teamJson(findTeam(portal, s[2])));
    if (method == "DELETE") return deleteTeam(portal, who, s[2]);
    return methodNotAllowed(request, "GET, DELETE");
  }
  if (s.size() == 4 && s[3] == "members") {
    if (method == "POST") return addMember(portal, request, who, s[2]);
    return methodNotAllowed(request, "POST");
  }
  if (s.size() == 5 && s[3] == "members") {
    if (method == "DELETE") return removeMember(portal, who, s[2], s[4]);
    return methodNotAllowed(request, "DELETE");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

// --- /api/audit --------------------------------------------------------------------------

HttpResponse listAudit(PortalContext& portal, const HttpRequest& request) {
  portal.auth.principal(request);
  AuditQuery query;
  query.actor = request.param("actor").value_or("");
  if (auto user = request.param("user"); user && !user->empty()) query.actor = "user:" + *user;
  query.object = request.param("object").value_or("");
  query.action = request.param("action").value_or("");
  auto number = [&](const char* name, int64_t min, int64_t max, int64_t fallback) {
    auto text = request.param(name);
    if (!text || text->empty()) return fallback;
    if (text->size() > 18 || text->find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(*text) < min || std::stoll(*text) > max) {
      throwBadField(name, fmt::format("{} must be a whole number from {} to {}", name, min, max));
    }
    return static_cast<int64_t>(std::stoll(*text));
  };
  query.before_id = number("before_id", 1, INT64_MAX / 2, 0);
  query.after_id = number("after_id", 1, INT64_MAX / 2, 0);
  if (query.before_id > 0 && query.after_id > 0) {
    throwBadField("after_id", "give before_id (older entries) or after_id (newer), not both");
  }
  query.limit = static_cast<int>(number("limit", 1, 1000, 100));
  const auto rows = portal.audit_log.list(query);
  JsonWriter json;
  json.beginObject().key("entries").beginArray();
  for (const auto& row : rows) {
    // before/after are stored as JSON text; they are sent as strings (escaped like any
    // other text) rather than spliced in, so a malformed row cannot break the answer.
    json.beginObject()
        .field("id", row.id)
        .field("at_ms", row.at_ms)
        .field("actor", row.actor)
        .field("action", row.action)
        .field("object", row.object)
        .field("before", row.before_json)
        .field("after", row.after_json)
        .end();
  }
  json.end();
  json.field("next_before_id",
             static_cast<int>(rows.size()) == query.limit ? rows.back().id : int64_t{0});
  json.end();
  return apiJson(200, json.str());
}

// --- /api/cluster ------------------------------------------------------------------------

HttpResponse cluster(PortalContext& portal, const HttpRequest& request) {
  portal.auth.principal(request);  // any signed-in user
  const std::vector<BrokerRecord> brokers = portal.services.known_brokers.live();
  const std::vector<DatanodeStatus> datanodes = portal.services.datanodes.statuses();
  std::map<int32_t, std::string> states;  // active, decommissioning, decommissioned
  for (const auto& node : portal.services.lifecycle.datanodeStates()) states[node.id] = node.state;
  const int64_t now = nowMs();
  JsonWriter json;
  json.beginObject().field("now_ms", now).key("brokers").beginArray();
  for (const auto& b : brokers) {
    json.beginObject()
        .field("id", b.id)
        .field("host", b.host)
        .field("port", b.port)
        .field("started_ms", b.started_ms)
        .field("last_heartbeat_ms", b.last_heartbeat_ms)
        .end();
  }
  json.end().key("datanodes").beginArray();
  for (const auto& d : datanodes) {
    const DatanodeRecord& node = d.record;  // never its password
    json.beginObject()
        .field("id", node.id)
        .field("name", node.name)
        .field("host", node.target.host)
        .field("port", node.target.port)
        .field("database", node.target.database)
        .field("partitions", d.partition_count)
        .field("healthy", d.healthy)
        .field("status", d.status_message)
        .field("state", states.count(node.id) ? states[node.id] : std::string("active"))
        .field("replication", d.replication)
        .field("epoch", node.epoch)
        .end();
  }
  json.end();
  // The peer clusters and their last check (docs/multi-cluster.md#peer-clusters); never a
  // token.
  json.key("peers").beginArray();
  for (const auto& p : portal.services.peers.snapshot()) {
    json.beginObject()
        .field("name", p.peer.name)
        .field("metaserver", p.peer.metaserver)
        .field("tls", p.peer.tls.enabled)
        .field("reachable", p.reachable)
        .field("problem", p.problem)
        .field("checked_ms", p.checked_at_ms)
        .end();
  }
  json.end();
  auto snapshot = portal.services.collector.snapshot();
  json.field("lag_collected_ms", snapshot ? snapshot->collected_ms : int64_t{0});
  json.end();
  return apiJson(200, json.str());
}

}  // namespace

void checkPrincipalName(const std::string& name, const std::string& field, const char* what) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    throwBadField(field, fmt::format("{} has 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and "
                                     "'-'",
                                     what));
  }
}

void registerAdminRoutes(HttpServer& server, PortalContext& portal) {
  for (const char* method : {"GET", "POST", "DELETE"}) {
    server.route(method, "/api/users", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return userResource(portal, request); });
    });
    server.route(method, "/api/teams", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return teamResource(portal, request); });
    });
  }
  server.route("GET", "/api/audit", [&portal](const HttpRequest& request) {
    return guardedApi([&] { return listAudit(portal, request); });
  });
  server.route("GET", "/api/cluster", [&portal](const HttpRequest& request) {
    return guardedApi([&] {
      const auto& s = request.segments;
      if (s.size() == 3 && s[2] == "history") return clusterHistory(portal, request);
      if (s.size() != 2) {
        return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
      }
      return cluster(portal, request);
    });
  });
}

}  // namespace mq
