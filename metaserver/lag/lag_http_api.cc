#include "metaserver/lag/lag_http_api.h"

#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/options.h"
#include "metaserver/json_api.h"
#include "metaserver/lag/lag_json.h"

namespace mq {
namespace {

// Who the audit log names for a change: the signed-in caller, else the remote address.
std::string actorOf(const HttpRequest& request) {
  return request.principal.empty() ? "http:" + request.remote_address : request.principal;
}

// The snapshot, or the 503 that explains why there is none.
std::shared_ptr<const LagSnapshot> snapshotOr(LagCollector& collector, HttpResponse* refusal) {
  auto snapshot = collector.snapshot();
  if (snapshot) return snapshot;
  std::string message;
  auto holder = collector.leaseHolder();
  if (holder && !holder->expired && holder->holder != collector.holder()) {
    message = fmt::format(
        "this metaserver ({}) is not the active lag collector; ask {} (the lease holder)",
        collector.holder(), holder->holder);
  } else {
    message = "consumer lag has not been collected yet; try again in a few seconds";
  }
  *refusal = apiErrorResponse(503, "not_active", message);
  return nullptr;
}

HttpResponse listGroups(LagCollector& collector) {
  HttpResponse refusal;
  auto snapshot = snapshotOr(collector, &refusal);
  if (!snapshot) return refusal;
  std::string body = fmt::format("{{\"collected_ms\":{},\"collector\":", snapshot->collected_ms);
  appendJsonString(body, collector.holder());
  body += ",\"groups\":[";
  bool first = true;
  for (const auto& [id, group] : snapshot->groups) {
    if (!first) body += ',';
    first = false;
    body += groupSummaryJson(group);
  }
  body += "]}";
  return apiJson(200, body);
}

HttpResponse groupResource(LagCollector& collector, const HttpHandler& more,
                           const HttpRequest& request) {
  // /api/groups or /api/groups/{group}/{lag|status}; other paths under a group go to `more`.
  const auto& s = request.segments;
  if (s.size() == 2) return listGroups(collector);
  const bool lag_view = s.size() == 4 && (s[3] == "lag" || s[3] == "status");
  if (!lag_view && more && s.size() >= 3) return more(request);
  if (!lag_view) {
    return apiErrorResponse(404, "not_found",
                            "use /api/groups, /api/groups/{group}/lag or "
                            "/api/groups/{group}/status");
  }
  HttpResponse refusal;
  auto snapshot = snapshotOr(collector, &refusal);
  if (!snapshot) return refusal;
  auto group = snapshot->groups.find(s[2]);
  if (group == snapshot->groups.end()) {
    return apiErrorResponse(404, "unknown_group",
                            fmt::format("no consumer group `{}` with offsets or members", s[2]));
  }
  return apiJson(200, s[3] == "lag" ? groupLagJson(group->second, snapshot->collected_ms)
                                    : groupStatusJson(group->second, snapshot->collected_ms));
}

// The rules, each with can_change: whether the caller may delete it (`may_change`, true for
// everyone without one).
std::string rulesJson(const std::vector<AlertRuleRecord>& rules, const AlertChangeCheck& may_change,
                      const HttpRequest& request) {
  std::string body = "{\"alerts\":[";
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) body += ',';
    std::string rule = alertRuleJson(rules[i]);
    rule.pop_back();  // the closing brace
    rule += ",\"can_change\":";
    rule += !may_change || may_change(request, rules[i].group_id) ? "true}" : "false}";
    body += rule;
  }
  return body + "]}";
}

HttpResponse listEvents(AlertService& alerts, const HttpRequest& request) {
  const int limit = static_cast<int>(queryInteger(request, "limit", 0, 1000, 0));
  auto events = alerts.events(request.param("alert").value_or(""), limit);
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) body += ',';
    body += alertEventJson(events[i]);
  }
  return apiJson(200, body + "]}");
}

HttpResponse createAlert(AlertService& alerts, const HttpRequest& request) {
  const JsonBody body = JsonBody::parse(request.body);
  AlertRuleRecord rule;
  rule.name = body.text("name").value_or("");
  rule.group_id = body.text("group").value_or("");
  rule.topic = body.text("topic").value_or("");
  rule.kind = body.text("kind").value_or("");
  rule.webhook_url = body.text("webhook_url").value_or("");
  constexpr int64_t kLimit = 999999999999999;
  rule.threshold = body.integer("threshold", -kLimit, kLimit).value_or(rule.threshold);
  rule.for_ms = body.integer("for_ms", -kLimit, kLimit).value_or(rule.for_ms);
  if (auto text = body.text("for")) {
    if (!parseDurationMs(*text, &rule.for_ms)) {
      throwBadField("for", fmt::format("`for` must be a duration such as 5m, got `{}`", *text));
    }
  }
  if (auto problem = alerts.check(rule)) throwBadField(problem->field, problem->message);
  return apiJson(201, alertRuleJson(alerts.create(actorOf(request), rule)));
}

HttpResponse alertResource(AlertService& alerts, const AlertChangeCheck& may_change,
                           const HttpRequest& request) {
  // /api/alerts or /api/alerts/{name}
  const auto& s = request.segments;
  if (s.size() == 2) {
    if (request.method == "POST") return createAlert(alerts, request);
    if (request.method == "GET" || request.method == "HEAD") {
      return apiJson(200, rulesJson(alerts.list(), may_change, request));
    }
  } else if (s.size() == 3) {
    if (request.method == "GET" || request.method == "HEAD") {
      auto rule = alerts.find(s[2]);
      if (!rule) {
        return apiErrorResponse(404, "unknown_alert", fmt::format("no alert named `{}`", s[2]));
      }
      return apiJson(200, alertRuleJson(*rule));
    }
    if (request.method == "DELETE") {
      if (!alerts.find(s[2])) {
        return apiErrorResponse(404, "unknown_alert", fmt::format("no alert named `{}`", s[2]));
      }
      alerts.remove(actorOf(request), s[2]);
      std::string body = "{\"deleted\":";
      appendJsonString(body, s[2]);
      return apiJson(200, body + "}");
    }
    return methodNotAllowed(request, "GET, DELETE");
  } else {
    return apiErrorResponse(404, "not_found",
                            "use /api/alerts, /api/alerts/{name} or /api/alerts/events");
  }
  return methodNotAllowed(request, "GET, POST");
}

}  // namespace

void registerLagApi(HttpServer& server, LagCollector& collector, AlertService& alerts,
                    HttpHandler group_details, AlertChangeCheck may_change) {
  server.route("GET", "/api/groups",
               [&collector, more = std::move(group_details)](const HttpRequest& request) {
                 return guardedApi([&] { return groupResource(collector, more, request); });
               });
  for (const char* method : {"GET", "POST", "DELETE"}) {
    server.route(method, "/api/alerts", [&alerts, may_change](const HttpRequest& request) {
      return guardedApi([&] { return alertResource(alerts, may_change, request); });
    });
  }
  server.route("GET", "/api/alerts/events", [&alerts](const HttpRequest& request) {
    return guardedApi([&] { return listEvents(alerts, request); });
  });
}

}  // namespace mq
