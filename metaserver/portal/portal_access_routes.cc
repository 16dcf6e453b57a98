// /api/tokens and /api/acls: access tokens and ACL grants in the portal (docs/security.md,
// docs/portal.md#access-tokens-and-grants). Every read and change goes through MetaService's
// handler in-process, so AccessAdmin validates, stores (only the secret's hash) and audits
// exactly as for the Thrift calls and mqctl, with the signed-in user as actor. What this file
// adds is who may do what:
//   - the tokens of team T: its members and admins list, issue and revoke them;
//   - grants: admins any; a member of team T grants and revokes on the exact name of a topic
//     or consumer group T owns (to any token or team: the owner decides who may use it), and
//     revokes grants held by T or by T's tokens. Prefixes, `*` and the cluster reach beyond
//     what one team owns, so only admins grant on them.
// Inputs are checked with the same functions AccessAdmin uses, here to name the field; a
// refusal changes nothing.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "common/access_policy.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

// What the authorization of grants needs to know, read once per request.
struct Ownership {
  std::map<std::string, std::string> topic_owner;  // topic -> owner team ("" none)
  std::map<std::string, std::string> group_owner;  // group -> owner team
  std::map<std::string, std::string> token_team;   // token name -> team

  static Ownership read(PortalContext& portal, const std::vector<rpc::AccessToken>& tokens) {
    Ownership view;
    for (const auto& topic : portal.services.topics.list()) {
      view.topic_owner[topic.name] = topic.owner_team;
    }
    for (const auto& owner : portal.owners.list()) {
      view.group_owner[owner.group_id] = owner.owner_team;
    }
    for (const auto& token : tokens) view.token_team[token.name] = token.team;
    return view;
  }

  // The team owning the grant's resource: the owner of the exact topic or group it names;
  // "" for a prefix, `*`, the cluster, or something no team owns.
  std::string resourceOwner(const rpc::AclEntry& grant) const {
    if (grant.resource_name.find('*') != std::string::npos) return "";
    const auto& owners = grant.resource_type == "topic"   ? topic_owner
                         : grant.resource_type == "group" ? group_owner
                                                          : empty_;
    auto found = owners.find(grant.resource_name);
    return found == owners.end() ? "" : found->second;
  }

  // The team that holds the grant: the team itself, or the token's team ("" when the token
  // is gone).
  std::string holderTeam(const rpc::AclEntry& grant) const {
    if (grant.principal_type == "team") return grant.principal_name;
    auto found = token_team.find(grant.principal_name);
    return found == token_team.end() ? "" : found->second;
  }

  bool mayGrant(const Principal& who, const rpc::AclEntry& grant) const {
    const std::string owner = resourceOwner(grant);
    return who.admin || (!owner.empty() && who.inTeam(owner));
  }
  bool mayRevoke(const Principal& who, const rpc::AclEntry& grant) const {
    const std::string holder = holderTeam(grant);
    return mayGrant(who, grant) || (!holder.empty() && who.inTeam(holder));
  }
  // Whether the grant is about team `team`: on what it owns, or held by it.
  bool concerns(const std::string& team, const rpc::AclEntry& grant) const {
    return resourceOwner(grant) == team || holderTeam(grant) == team;
  }

 private:
  const std::map<std::string, std::string> empty_{};
};

// Every token (of `team`) and every grant, as the wire has them; the routes filter them by
// the caller's teams.
std::vector<rpc::AccessToken> listTokens(PortalContext& portal, const std::string& team = "") {
  std::vector<rpc::AccessToken> tokens;
  for (const auto& token : portal.services.access.listTokens(team)) {
    tokens.push_back(AccessAdmin::toWire(token));
  }
  return tokens;
}

std::vector<rpc::AclEntry> listGrants(PortalContext& portal) {
  std::vector<rpc::AclEntry> grants;
  for (const auto& grant : portal.services.access.listGrants()) {
    grants.push_back(AccessAdmin::toWire(grant));
  }
  return grants;
}

// The teams whose tokens and grants a read shows: `?team=` (members and admins), else every
// team of the caller (admins: every team, as the empty set). Throws ApiError 403 about team.
std::vector<std::string> teamsToShow(const HttpRequest& request, const Principal& who) {
  const std::string team = request.param("team").value_or("");
  if (team.empty()) return who.admin ? std::vector<std::string>{} : who.teams;
  if (!who.mayChange(team)) {
    throw ApiError(403, "forbidden",
                   fmt::format("you are not a member of team `{}`: only its members and admins "
                               "see its tokens and grants",
                               team),
                   "team");
  }
  return {team};
}

bool shown(const std::vector<std::string>& teams, const std::function<bool(const std::string&)>& of,
           const Principal& who) {
  if (teams.empty()) return who.admin;
  return std::any_of(teams.begin(), teams.end(), of);
}

void writeToken(JsonWriter& json, const rpc::AccessToken& token, const Principal& who) {
  json.beginObject()
      .field("name", token.name)
      .field("team", token.team)
      .field("description", token.description)
      .field("created_ms", token.created_ms)
      .field("created_by", token.created_by)
      .field("last_used_ms", token.last_used_ms)
      .field("can_change", who.mayChange(token.team))
      .end();
}

void writeGrant(JsonWriter& json, const rpc::AclEntry& grant, bool can_change) {
  json.beginObject()
      .field("resource_type", grant.resource_type)
      .field("resource_name", grant.resource_name)
      .field("principal_type", grant.principal_type)
      .field("principal_name", grant.principal_name)
      .field("permission", grant.permission)
      .field("created_ms", grant.created_ms)
      .field("created_by", grant.created_by)
      .field("can_change", can_change)
      .end();
}

// --- /api/tokens -------------------------------------------------------------------------

HttpResponse listTokenRoute(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const auto teams = teamsToShow(request, who);
  JsonWriter json;
  json.beginObject().key("tokens").beginArray();
  for (const auto& token : listTokens(portal)) {
    if (shown(
            teams, [&](const std::string& t) { return t == token.team; }, who)) {
      writeToken(json, token, who);
    }
  }
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse issueToken(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  auto body = JsonBody::parse(request.body);
  rpc::CreateTokenRequest create;
  create.name = body.text("name").value_or("");
  create.team = body.text("team").value_or("");
  create.description = body.text("description").value_or("");
  if (auto problem = principalNameProblem(create.name)) {
    throwBadField("name", "a token name " + *problem);
  }
  if (create.team.empty()) throwBadField("team", "choose the team the token belongs to");
  if (!portal.users.findTeam(create.team)) {
    throwBadField("team", fmt::format("there is no team `{}`", create.team));
  }
  if (create.description.size() > 1024) {
    throwBadField("description", "the description may have at most 1024 characters");
  }
  if (!who.mayChange(create.team)) {
    throw ApiError(403, "forbidden",
                   fmt::format("you are not a member of team `{}`: you issue tokens for your "
                               "own teams",
                               create.team),
                   "team");
  }
  const auto tokens = listTokens(portal);
  if (std::any_of(tokens.begin(), tokens.end(),
                  [&](const rpc::AccessToken& t) { return t.name == create.name; })) {
    throw ApiError(
        409, "token_exists",
        fmt::format("a token named `{}` exists (revoke it first to reissue)", create.name), "name");
  }
  rpc::CreateTokenResponse issued;
  aboutField("name", [&] {
    auto created =
        portal.services.access.createToken(who.actor, create.name, create.team, create.description);
    issued.token = AccessAdmin::toWire(created.token);
    issued.secret = created.secret;
  });
  JsonWriter json;
  json.beginObject().key("token");
  writeToken(json, issued.token, who);
  // Shown once, to whoever issued it; the metadata database keeps only its SHA-256.
  json.field("secret", issued.secret).end();
  return apiJson(201, json.str());
}

HttpResponse revokeToken(PortalContext& portal, const HttpRequest& request,
                         const std::string& name) {
  const Principal who = portal.auth.principal(request);
  const auto tokens = listTokens(portal);
  auto token = std::find_if(tokens.begin(), tokens.end(),
                            [&](const rpc::AccessToken& t) { return t.name == name; });
  if (token == tokens.end()) {
    throw ApiError(404, "unknown_token", fmt::format("there is no token `{}`", name));
  }
  PortalAuth::requireChange(who, token->team,
                            fmt::format("token `{}` (team {})", name, token->team));
  portal.services.access.revokeToken(who.actor, name);
  JsonWriter json;
  json.beginObject().field("revoked", name).end();
  return apiJson(200, json.str());
}

HttpResponse tokenResource(PortalContext& portal, const HttpRequest& request) {
  const auto& s = request.segments;
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (s.size() == 2) {
    if (read) return listTokenRoute(portal, request);
    if (request.method == "POST") return issueToken(portal, request);
    return methodNotAllowed(request, "GET, POST");
  }
  if (s.size() == 3) {
    if (request.method == "DELETE") return revokeToken(portal, request, s[2]);
    return methodNotAllowed(request, "DELETE");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

// --- /api/acls ---------------------------------------------------------------------------

HttpResponse listGrantRoute(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const auto teams = teamsToShow(request, who);
  const auto view = Ownership::read(portal, listTokens(portal));
  JsonWriter json;
  json.beginObject().key("grants").beginArray();
  for (const auto& grant : listGrants(portal)) {
    if (shown(
            teams, [&](const std::string& t) { return view.concerns(t, grant); }, who)) {
      writeGrant(json, grant, view.mayRevoke(who, grant));
    }
  }
  json.end().end();
  return apiJson(200, json.str());
}

// A grant from a request body, checked field by field (400 naming the field).
rpc::AclEntry grantFromBody(const HttpRequest& request) {
  auto body = JsonBody::parse(request.body);
  rpc::AclEntry entry;
  entry.resource_type = body.text("resource_type").value_or("");
  entry.resource_name = body.text("resource_name").value_or("");
  entry.principal_type = body.text("principal_type").value_or("");
  entry.principal_name = body.text("principal_name").value_or("");
  entry.permission = body.text("permission").value_or("");
  AclGrant grant;
  auto resource = parseResourceType(entry.resource_type);
  if (!resource) throwBadField("resource_type", "resource_type must be topic, group or cluster");
  if (*resource == ResourceType::kCluster && entry.resource_name.empty()) {
    entry.resource_name = "*";
  }
  auto principal = parsePrincipalType(entry.principal_type);
  if (!principal) throwBadField("principal_type", "principal_type must be token or team");
  auto permission = parsePermission(entry.permission);
  if (!permission) throwBadField("permission", "permission must be produce, consume or admin");
  grant.resource_type = *resource;
  grant.resource_name = entry.resource_name;
  grant.principal_type = *principal;
  grant.principal_name = entry.principal_name;
  grant.permission = *permission;
  std::string field;
  if (auto problem = grantProblem(grant, &field)) throwBadField(field, *problem);
  return entry;
}

bool sameGrant(const rpc::AclEntry& a, const rpc::AclEntry& b) {
  return a.resource_type == b.resource_type && a.resource_name == b.resource_name &&
         a.principal_type == b.principal_type && a.principal_name == b.principal_name &&
         a.permission == b.permission;
}

// Why `who` may not grant `entry`, as a 403 about the field to blame.
[[noreturn]] void refuseGrant(const Ownership& view, const rpc::AclEntry& entry) {
  if (entry.resource_type == "cluster") {
    throw ApiError(403, "forbidden", "only admins grant on the cluster", "resource_type");
  }
  if (entry.resource_name.find('*') != std::string::npos) {
    throw ApiError(403, "forbidden",
                   fmt::format("only admins grant on a prefix or `*` (`{}` may cover {}s other "
                               "teams own); grant on an exact name",
                               entry.resource_name, entry.resource_type),
                   "resource_name");
  }
  const std::string owner = view.resourceOwner(entry);
  throw ApiError(
      403, "forbidden",
      owner.empty() ? fmt::format("{} `{}` is owned by no team: only admins grant on it",
                                  entry.resource_type, entry.resource_name)
                    : fmt::format("{} `{}` is owned by team `{}`: you change grants on your teams' "
                                  "topics and groups only",
                                  entry.resource_type, entry.resource_name, owner),
      "resource_name");
}

HttpResponse grantRoute(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const rpc::AclEntry entry = grantFromBody(request);
  const auto view = Ownership::read(portal, listTokens(portal));
  if (entry.principal_type == "token" && !view.token_team.count(entry.principal_name)) {
    throwBadField("principal_name", fmt::format("there is no token `{}`", entry.principal_name));
  }
  if (entry.principal_type == "team" && !portal.users.findTeam(entry.principal_name)) {
    throwBadField("principal_name", fmt::format("there is no team `{}`", entry.principal_name));
  }
  if (!view.mayGrant(who, entry)) refuseGrant(view, entry);
  for (const auto& existing : listGrants(portal)) {
    if (sameGrant(existing, entry)) {
      throw ApiError(409, "grant_exists",
                     describeGrant(AccessAdmin::fromWire(entry)) + " is granted already");
    }
  }
  const rpc::AclEntry granted =
      AccessAdmin::toWire(portal.services.access.grant(who.actor, AccessAdmin::fromWire(entry)));
  JsonWriter json;
  writeGrant(json, granted, true);
  return apiJson(201, json.str());
}

HttpResponse revokeGrantRoute(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const rpc::AclEntry entry = grantFromBody(request);
  const auto grants = listGrants(portal);
  auto existing = std::find_if(grants.begin(), grants.end(),
                               [&](const rpc::AclEntry& g) { return sameGrant(g, entry); });
  if (existing == grants.end()) {
    throw ApiError(404, "not_granted",
                   describeGrant(AccessAdmin::fromWire(entry)) + " is not granted");
  }
  const auto view = Ownership::read(portal, listTokens(portal));
  if (!view.mayRevoke(who, entry)) refuseGrant(view, entry);
  portal.services.access.revoke(who.actor, AccessAdmin::fromWire(entry));
  JsonWriter json;
  json.beginObject().key("revoked");
  writeGrant(json, *existing, false);
  json.end();
  return apiJson(200, json.str());
}

HttpResponse grantResource(PortalContext& portal, const HttpRequest& request) {
  const auto& s = request.segments;
  if (s.size() == 2) {
    if (request.method == "GET" || request.method == "HEAD") return listGrantRoute(portal, request);
    if (request.method == "POST") return grantRoute(portal, request);
    return methodNotAllowed(request, "GET, POST");
  }
  if (s.size() == 3 && s[2] == "revoke") {
    if (request.method == "POST") return revokeGrantRoute(portal, request);
    return methodNotAllowed(request, "POST");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

}  // namespace

void registerAccessRoutes(HttpServer& server, PortalContext& portal) {
  for (const char* method : {"GET", "POST", "DELETE"}) {
    server.route(method, "/api/tokens", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return tokenResource(portal, request); });
    });
    server.route(method, "/api/acls", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return grantResource(portal, request); });
    });
  }
}

}  // namespace mq
