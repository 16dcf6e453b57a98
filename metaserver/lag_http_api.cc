#include "metaserver/lag_http_api.h"

#include <fmt/format.h>

#include <functional>

#include "common/errors.h"
#include "common/json_document.h"
#include "common/log.h"
#include "common/options.h"
#include "metaserver/lag_json.h"

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

std::string rulesJson(const std::vector<AlertRuleRecord>& rules) {
  std::string body = "{\"alerts\":[";
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) body += ',';
    body += alertRuleJson(rules[i]);
  }
  return body + "]}";
}

HttpResponse listEvents(AlertService& alerts, const HttpRequest& request) {
  int limit = 0;
  if (auto text = request.param("limit")) {
    if (text->empty() || text->size() > 6 ||
        text->find_first_not_of("0123456789") != std::string::npos) {
      return HttpResponse::error(400, "invalid_request", "limit must be a number 0..1000");
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
  try {
    rule.name = json.get<std::string>("name", "");
    rule.group_id = json.get<std::string>("group", "");
    rule.topic = json.get<std::string>("topic", "");
    rule.kind = json.get<std::string>("kind", "");
    rule.threshold = json.get<int64_t>("threshold", 0);
    rule.webhook_url = json.get<std::string>("webhook_url", "");
    rule.for_ms = json.get<int64_t>("for_ms", 0);
  } catch (const pt::ptree_error& e) {
    return HttpResponse::error(400, "invalid_request", e.what());
  }
  if (auto text = json.get_optional<std::string>("for")) {
    if (!parseDurationMs(*text, &rule.for_ms)) {
      return HttpResponse::error(
          400, "invalid_request",
          fmt::format("`for` must be a duration such as 5m, got `{}`", *text));
    }
  }
  return HttpResponse::json(201, alertRuleJson(alerts.create(actorOf(request), rule)));
}

HttpResponse alertResource(AlertService& alerts, const HttpRequest& request) {
  // /api/alerts or /api/alerts/{name}
  const auto& s = request.segments;
  if (s.size() == 2) {
    if (request.method == "POST") return createAlert(alerts, request);
    if (request.method == "GET" || request.method == "HEAD") {
      return HttpResponse::json(200, rulesJson(alerts.list()));
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
                    HttpHandler group_details) {
  server.route("GET", "/api/groups",
               [&collector, more = std::move(group_details)](const HttpRequest& request) {
                 return guarded([&] { return groupResource(collector, more, request); });
               });
  for (const char* method : {"GET", "POST", "DELETE"}) {
    server.route(method, "/api/alerts", [&alerts](const HttpRequest& request) {
      return guarded([&] { return alertResource(alerts, request); });
    });
  }
  server.route("GET", "/api/alerts/events", [&alerts](const HttpRequest& request) {
    return guarded([&] { return listEvents(alerts, request); });
  });
}

}  // namespace mq
