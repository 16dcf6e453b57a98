// The metaserver's JSON API on its HTTP port, for the portal and scripts:
//   GET    /api/groups                       every group: status, total lag, members
//   GET    /api/groups/{group}/lag           the group's partitions: offsets, lag, status
//   GET    /api/groups/{group}/status        the group's status with the reason
//   GET    /api/alerts                       alert rules with their state
//   POST   /api/alerts                       create a rule (JSON body, see below)
//   GET    /api/alerts/{name}                one rule
//   DELETE /api/alerts/{name}                delete a rule
//   GET    /api/alerts/events?alert=&limit=  firing/resolved events, newest first
// Path segments are percent-decoded ("a%2Fb" is the group "a/b"). Errors are JSON with an
// HTTP status: 400 a bad request, 404 an unknown group or alert, 503 when this metaserver is
// not the active lag collector (the message names the one that is) or the metadata database
// is unavailable.
//
// POST /api/alerts body: {"name":"orders-lag","group":"orders","topic":"","kind":
// "lag_messages","threshold":1000,"for":"5m","webhook_url":"http://..."} ("for_ms" works
// too); answers 201 with the rule.
#pragma once

#include "metaserver/alert_service.h"
#include "metaserver/lag_collector.h"
#include "server/http_server.h"

namespace mq {

// `group_details` (optional) answers GET requests for other paths under a group
// (/api/groups/{group}, /api/groups/{group}/...: the portal's group view). Changes are
// audited as request.principal when the HTTP filter set it, else as "http:<address>".
// REQUIRES: called before server.start(); collector and alerts outlive the server.
void registerLagApi(HttpServer& server, LagCollector& collector, AlertService& alerts,
                    HttpHandler group_details = nullptr);

}  // namespace mq
