// POST /api/login, POST /api/logout, GET /api/me, POST /api/me/password (portal_routes.h).
#include <fmt/format.h>

#include "common/clock.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/password_hash.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

void writeUser(JsonWriter& json, const std::string& name, bool admin,
               const std::vector<std::string>& teams) {
  json.field("user", name).field("admin", admin).key("teams").beginArray();
  for (const auto& team : teams) json.value(team);
  json.end();
}

HttpResponse login(PortalContext& portal, const HttpRequest& request) {
  if (!portal.auth.enabled()) {
    throw ApiError(400, "auth_disabled", "sign-in is off on this metaserver (http-auth = off)");
  }
  auto body = JsonBody::parse(request.body);
  const std::string user = body.text("user").value_or("");
  const std::string password = body.text("password").value_or("");
  if (user.empty()) throwBadField("user", "enter your user name");
  if (password.empty()) throwBadField("password", "enter your password");
  auto signed_in = portal.auth.login(user, password, request.remote_address);
  JsonWriter json;
  json.beginObject();
  writeUser(json, signed_in.user.name, signed_in.user.admin, signed_in.user.teams);
  json.field("csrf_token", signed_in.session.csrf_token)
      .field("expires_ms", signed_in.session.expires_ms)
      .end();
  auto response = apiJson(200, json.str());
  response.headers.emplace_back("Set-Cookie", portal.auth.sessionCookie(signed_in.token, request));
  return response;
}

HttpResponse logout(PortalContext& portal, const HttpRequest& request) {
  portal.auth.logout(request);
  auto response = apiJson(200, "{\"signed_out\":true}");
  response.headers.emplace_back("Set-Cookie", portal.auth.expiredCookie(request));
  return response;
}

HttpResponse me(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  JsonWriter json;
  json.beginObject();
  writeUser(json, who.user, who.admin, who.teams);
  json.field("auth", portal.auth.enabled());
  json.field("cluster", portal.services.cluster_name);
  if (auto session = portal.auth.session(request)) {
    json.field("csrf_token", session->csrf_token).field("expires_ms", session->expires_ms);
  } else {
    json.field("csrf_token", "");
  }
  json.end();
  return apiJson(200, json.str());
}

HttpResponse changePassword(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  if (who.user.empty()) {
    throw ApiError(400, "auth_disabled", "sign-in is off on this metaserver (http-auth = off)");
  }
  auto body = JsonBody::parse(request.body);
  const std::string current = body.text("current_password").value_or("");
  const std::string next = body.text("new_password").value_or("");
  auto user = portal.users.findUser(who.user);
  if (!user || !verifyPassword(current, user->password_hash)) {
    throwBadField("current_password", "the current password is wrong");
  }
  if (next == current) throwBadField("new_password", "choose a password different from the old");
  const std::string hash = PortalAuth::hashNewPassword(next, "new_password");
  AuditTrail::Change change(portal.services.audit);
  portal.users.setPassword(who.user, hash, nowMs());
  // A changed password ends every session of the user, this one included.
  const int ended = portal.sessions.removeUser(who.user);
  portal.services.audit.record(who.actor, "user.set_password", who.user, "",
                               fmt::format("{{\"sessions_ended\":{}}}", ended));
  change.commit();
  auto response = apiJson(200, "{\"password_changed\":true,\"signed_out\":true}");
  response.headers.emplace_back("Set-Cookie", portal.auth.expiredCookie(request));
  return response;
}

}  // namespace

void registerSessionRoutes(HttpServer& server, PortalContext& portal) {
  server.route("POST", "/api/login", [&portal](const HttpRequest& request) {
    return guardedApi([&] { return login(portal, request); });
  });
  server.route("POST", "/api/logout", [&portal](const HttpRequest& request) {
    return guardedApi([&] { return logout(portal, request); });
  });
  server.route("GET", "/api/me", [&portal](const HttpRequest& request) {
    return guardedApi([&] {
      if (request.segments.size() != 2) {
        return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
      }
      return me(portal, request);
    });
  });
  server.route("POST", "/api/me/password", [&portal](const HttpRequest& request) {
    return guardedApi([&] { return changePassword(portal, request); });
  });
}

}  // namespace mq
