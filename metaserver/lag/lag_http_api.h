// The metaserver's JSON API on its HTTP port, for the portal and scripts:
//   GET    /api/groups                       every group: status, total lag, members
//   GET    /api/groups/{group}/lag           the group's partitions: offsets, lag, status
//   GET    /api/groups/{group}/status        the group's status with the reason
//   GET    /api/alerts                       alert rules with their state
//   POST   /api/alerts                       create a rule (JSON body, see below)
//   GET    /api/alerts/{name}                one rule
//   DELETE /api/alerts/{name}                delete a rule
//   GET    /api/alerts/events?alert=&limit=  firing/resolved events, newest first
// Errors about one field of a request carry it: {"error":{...,"field":"group"}} (name, group,
// topic, kind, threshold, for, webhook_url, limit). Path segments are percent-decoded ("a%2Fb" is
// the group "a/b"). Errors are JSON with an HTTP status: 400 a bad request, 404 an unknown group or
// alert, 503 when this metaserver is not the active lag collector (the message names the one that
// is) or the metadata database is unavailable.
//
// POST /api/alerts body: {"name":"orders-lag","group":"orders","topic":"","kind":
// "lag_messages","threshold":1000,"for":"5m","webhook_url":"http://..."} ("for_ms" works
// too); answers 201 with the rule.
#pragma once

#include <functional>
#include <string>

#include "metaserver/lag/alert_service.h"
#include "metaserver/lag/lag_collector.h"
#include "server/http_server.h"

namespace mq {

// Whether the caller of `request` may change the alerts of `group` (the portal's team rule).
using AlertChangeCheck = std::function<bool(const HttpRequest& request, const std::string& group)>;

// `group_details` (optional) answers GET requests for other paths under a group
// (/api/groups/{group}, /api/groups/{group}/...: the portal's group view). Changes are
// audited as request.principal when the HTTP filter set it, else as "http:<address>".
// REQUIRES: called before server.start(); collector and alerts outlive the server.
// `may_change` (optional) sets each rule's can_change in GET /api/alerts (true for all
// without it); it only informs the page, the portal's filter enforces the rule.
void registerLagApi(HttpServer& server, LagCollector& collector, AlertService& alerts,
                    HttpHandler group_details = nullptr, AlertChangeCheck may_change = nullptr);

}  // namespace mq
