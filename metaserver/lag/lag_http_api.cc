#include "metaserver/lag/lag_http_api.h"

#include <fmt/format.h>

#include <functional>
#include <tuple>

#include "common/errors.h"
#include "common/json_document.h"
#include "common/log.h"
#include "common/options.h"
#include "metaserver/lag/lag_json.h"

namespace mq {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Who the audit log names for a change: the signed-in caller, else the remote address.
std::string actorOf(const HttpRequest& request) {
  return request.principal.empty() ? "http:" + request.remote_address : request.principal;
}

// Runs `body`, turning refusals and database failures into JSON errors.
HttpResponse guarded(const std::function<HttpResponse()>& body) {
  try {
    return body();
  } catch (const rpc::MqError& e) {
    int status = e.code == rpc::ErrorCode::INVALID_REQUEST ? 400 : e.retriable ? 503 : 500;
    return HttpResponse::error(status, lower(errorName(e.code)), e.message);
  } catch (const sql::SQLException& e) {
    return HttpResponse::error(503, "metadata_unavailable",
                               std::string("metadata database error: ") + e.what());
  }
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
  *refusal = HttpResponse::error(503, "not_active", message);
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
  return HttpResponse::json(200, body);
}

HttpResponse groupResource(LagCollector& collector, const HttpHandler& more,
                           const HttpRequest& request) {
  // /api/groups or /api/groups/{group}/{lag|status}; other paths under a group go to `more`.
  const auto& s = request.segments;
  if (s.size() == 2) return listGroups(collector);
  const bool lag_view = s.size() == 4 && (s[3] == "lag" || s[3] == "status");
  if (!lag_view && more && s.size() >= 3) return more(request);
  if (!lag_view) {
    return HttpResponse::error(404, "not_found",
                               "use /api/groups, /api/groups/{group}/lag or "
                               "/api/groups/{group}/status");
  }
  HttpResponse refusal;
  auto snapshot = snapshotOr(collector, &refusal);
  if (!snapshot) return refusal;
  auto group = snapshot->groups.find(s[2]);
  if (group == snapshot->groups.end()) {
    return HttpResponse::error(404, "unknown_group",
                               fmt::format("no consumer group `{}` with offsets or members", s[2]));
  }
  return HttpResponse::json(200, s[3] == "lag"
                                     ? groupLagJson(group->second, snapshot->collected_ms)
                                     : groupStatusJson(group->second, snapshot->collected_ms));
}

// A 400 about one field of the request, shaped as the portal's API errors (portal_http.h)
// so the page shows it next to that field.
HttpResponse badField(const std::string& field, const std::string& message) {
  std::string body = "{\"error\":{\"status\":400,\"code\":\"invalid_request\",\"message\":";
  appendJsonString(body, message);
  body += ",\"field\":";
  appendJsonString(body, field);
  return HttpResponse::json(400, body + "}}");
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
  int limit = 0;
  if (auto text = request.param("limit")) {
    if (text->empty() || text->size() > 6 ||
        text->find_first_not_of("0123456789") != std::string::npos) {
      return badField("limit", "limit must be a number 0..1000");
    }
    limit = std::stoi(*text);
  }
  auto events = alerts.events(request.param("alert").value_or(""), limit);
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) body += ',';
    body += alertEventJson(events[i]);
  }
  return HttpResponse::json(200, body + "]}");
}

HttpResponse createAlert(AlertService& alerts, const HttpRequest& request) {
  namespace pt = boost::property_tree;
  pt::ptree json;
  try {
    json = parseJsonDocument(request.body);
  } catch (const JsonRejected& e) {
    return HttpResponse::error(400, e.code(),
                               fmt::format("the request body is refused: {}", e.what()));
  }
  AlertRuleRecord rule;
  std::string field;
  try {
    field = "name";
    rule.name = json.get<std::string>("name", "");
    field = "group";
    rule.group_id = json.get<std::string>("group", "");
    field = "topic";
    rule.topic = json.get<std::string>("topic", "");
    field = "kind";
    rule.kind = json.get<std::string>("kind", "");
    field = "webhook_url";
    rule.webhook_url = json.get<std::string>("webhook_url", "");
  } catch (const pt::ptree_error&) {
    return badField(field, fmt::format("`{}` must be a string", field));
  }
  // Whole numbers, read strictly (ptree's get with a default turns "many" into 0).
  for (const auto& [name, field_name, target] :
       {std::tuple{"threshold", "threshold", &rule.threshold},
        std::tuple{"for_ms", "for", &rule.for_ms}}) {
    auto text = json.get_optional<std::string>(name);
    if (!text) continue;
    const bool negative = !text->empty() && (*text)[0] == '-';
    const std::string digits = text->substr(negative ? 1 : 0);
    if (digits.empty() || digits.size() > 15 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return badField(field_name,
                      fmt::format("`{}` must be a whole number, got `{}`", name, *text));
    }
    *target = (negative ? -1 : 1) * std::stoll(digits);
  }
  if (auto text = json.get_optional<std::string>("for")) {
    if (!parseDurationMs(*text, &rule.for_ms)) {
      return badField("for", fmt::format("`for` must be a duration such as 5m, got `{}`", *text));
    }
  }
  if (auto problem = alerts.check(rule)) return badField(problem->field, problem->message);
  return HttpResponse::json(201, alertRuleJson(alerts.create(actorOf(request), rule)));
}

HttpResponse alertResource(AlertService& alerts, const AlertChangeCheck& may_change,
                           const HttpRequest& request) {
  // /api/alerts or /api/alerts/{name}
  const auto& s = request.segments;
  if (s.size() == 2) {
    if (request.method == "POST") return createAlert(alerts, request);
    if (request.method == "GET" || request.method == "HEAD") {
      return HttpResponse::json(200, rulesJson(alerts.list(), may_change, request));
    }
  } else if (s.size() == 3) {
    if (request.method == "GET" || request.method == "HEAD") {
      auto rule = alerts.find(s[2]);
      if (!rule) {
        return HttpResponse::error(404, "unknown_alert", fmt::format("no alert named `{}`", s[2]));
      }
      return HttpResponse::json(200, alertRuleJson(*rule));
    }
    if (request.method == "DELETE") {
      if (!alerts.find(s[2])) {
        return HttpResponse::error(404, "unknown_alert", fmt::format("no alert named `{}`", s[2]));
      }
      alerts.remove(actorOf(request), s[2]);
      std::string body = "{\"deleted\":";
      appendJsonString(body, s[2]);
      return HttpResponse::json(200, body + "}");
    }
    auto refusal =
        HttpResponse::error(405, "method_not_allowed",
                            fmt::format("{} is not allowed on {}", request.method, request.path));
    refusal.headers.emplace_back("Allow", "GET, DELETE");
    return refusal;
  } else {
    return HttpResponse::error(404, "not_found",
                               "use /api/alerts, /api/alerts/{name} or /api/alerts/events");
  }
  auto refusal =
      HttpResponse::error(405, "method_not_allowed",
                          fmt::format("{} is not allowed on {}", request.method, request.path));
  refusal.headers.emplace_back("Allow", "GET, POST");
  return refusal;
}

}  // namespace

void registerLagApi(HttpServer& server, LagCollector& collector, AlertService& alerts,
                    HttpHandler group_details, AlertChangeCheck may_change) {
  server.route("GET", "/api/groups",
               [&collector, more = std::move(group_details)](const HttpRequest& request) {
                 return guarded([&] { return groupResource(collector, more, request); });
               });
  for (const char* method : {"GET", "POST", "DELETE"}) {
    server.route(method, "/api/alerts", [&alerts, may_change](const HttpRequest& request) {
      return guarded([&] { return alertResource(alerts, may_change, request); });
    });
  }
  server.route("GET", "/api/alerts/events", [&alerts](const HttpRequest& request) {
    return guarded([&] { return listEvents(alerts, request); });
  });
}

}  // namespace mq
