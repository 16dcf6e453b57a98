// /api/quotas: rate quotas in the portal (docs/security.md#quotas, docs/portal.md), for
// admins only, as over Thrift (a quota limits tenants of every team). Every read and change
// goes through MetaService's handler in-process, so QuotaAdmin validates, stores and audits
// (quota.set, quota.remove) exactly as for mqctl, with the signed-in user as actor. Inputs are
// checked first with the same quotaProblem() to name the field; a refusal changes nothing.
#include <fmt/format.h>

#include <algorithm>

#include "common/quota.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

constexpr const char* kLimitFields[] = {"produce_bytes_per_sec", "fetch_bytes_per_sec",
                                        "requests_per_sec"};

void writeQuota(JsonWriter& json, const rpc::QuotaEntry& quota) {
  json.beginObject()
      .field("entity_type", quota.entity_type)
      .field("entity_name", quota.entity_name)
      .field("produce_bytes_per_sec", quota.produce_bytes_per_sec)
      .field("fetch_bytes_per_sec", quota.fetch_bytes_per_sec)
      .field("requests_per_sec", quota.requests_per_sec)
      .field("updated_ms", quota.updated_ms)
      .field("updated_by", quota.updated_by)
      .end();
}

std::vector<rpc::QuotaEntry> listQuotas(PortalContext& portal) {
  std::vector<rpc::QuotaEntry> quotas;
  for (const auto& quota : portal.services.quotas.list())
    quotas.push_back(QuotaAdmin::toWire(quota));
  return quotas;
}

QuotaEntityType entityType(const std::string& text) {
  auto type = parseQuotaEntityType(text);
  if (!type) throwBadField("entity_type", "entity_type must be client or topic");
  return *type;
}

HttpResponse listRoute(PortalContext& portal, const Principal& who) {
  PortalAuth::requireAdmin(who, "see quotas");
  JsonWriter json;
  json.beginObject().key("quotas").beginArray();
  for (const auto& quota : listQuotas(portal)) writeQuota(json, quota);
  json.end().end();
  return apiJson(200, json.str());
}

// Creates or replaces the quota of (entity_type, entity_name).
HttpResponse setRoute(PortalContext& portal, const HttpRequest& request, const Principal& who) {
  PortalAuth::requireAdmin(who, "set quotas");
  auto body = JsonBody::parse(request.body);
  rpc::QuotaEntry entry;
  entry.entity_type = body.text("entity_type").value_or("");
  entry.entity_name = body.text("entity_name").value_or("");
  QuotaDefinition quota;
  quota.entity_type = entityType(entry.entity_type);
  quota.entity_name = entry.entity_name;
  int64_t* limits[] = {&quota.produce_bytes_per_sec, &quota.fetch_bytes_per_sec,
                       &quota.requests_per_sec};
  for (size_t i = 0; i < std::size(kLimitFields); ++i) {
    *limits[i] = body.integer(kLimitFields[i], 0, kMaxQuotaPerSec).value_or(0);
  }
  std::string field;
  if (auto problem = quotaProblem(quota, &field)) throwBadField(field, *problem);
  entry.produce_bytes_per_sec = quota.produce_bytes_per_sec;
  entry.fetch_bytes_per_sec = quota.fetch_bytes_per_sec;
  entry.requests_per_sec = quota.requests_per_sec;
  rpc::QuotaEntry stored;
  // What is left to refuse is about the entity: a topic that does not exist.
  aboutField("entity_name", [&] {
    stored = QuotaAdmin::toWire(portal.services.quotas.set(who.actor, QuotaAdmin::fromWire(entry)));
  });
  JsonWriter json;
  writeQuota(json, stored);
  return apiJson(200, json.str());
}

HttpResponse removeRoute(PortalContext& portal, const Principal& who, const std::string& type,
                         const std::string& name) {
  PortalAuth::requireAdmin(who, "remove quotas");
  entityType(type);
  const auto quotas = listQuotas(portal);
  auto found = std::find_if(quotas.begin(), quotas.end(), [&](const rpc::QuotaEntry& q) {
    return q.entity_type == type && q.entity_name == name;
  });
  if (found == quotas.end()) {
    throw ApiError(404, "unknown_quota", fmt::format("there is no quota for {} `{}`", type, name));
  }
  portal.services.quotas.remove(who.actor, type, name);
  JsonWriter json;
  json.beginObject().key("removed");
  writeQuota(json, *found);
  json.end();
  return apiJson(200, json.str());
}

HttpResponse quotaResource(PortalContext& portal, const HttpRequest& request) {
  const Principal who = portal.auth.principal(request);
  const auto& s = request.segments;
  if (s.size() == 2) {
    if (request.method == "GET" || request.method == "HEAD") return listRoute(portal, who);
    if (request.method == "POST") return setRoute(portal, request, who);
    return methodNotAllowed(request, "GET, POST");
  }
  if (s.size() == 4) {
    if (request.method == "DELETE") return removeRoute(portal, who, s[2], s[3]);
    return methodNotAllowed(request, "DELETE");
  }
  return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
}

}  // namespace

void registerQuotaRoutes(HttpServer& server, PortalContext& portal) {
  for (const char* method : {"GET", "POST", "DELETE"}) {
    server.route(method, "/api/quotas", [&portal](const HttpRequest& request) {
      return guardedApi([&] { return quotaResource(portal, request); });
    });
  }
}

}  // namespace mq
