// The portal's JSON API, one file per resource family, all sharing one PortalContext:
//   portal_session_routes.cc  POST /api/login, POST /api/logout, GET /api/me,
//                             POST /api/me/password
//   portal_topic_routes.cc    /api/topics... (topics, adding partitions, messages)
//   portal_search_routes.cc   message search, GET /api/topics/{t}/offsets (seek by time)
//   portal_trace_routes.cc    GET /api/topics/{t}/trace (message trace)
//   portal_partition_routes.cc  PATCH /api/topics/{t}/partitions/{p} (read-only, writable),
//                             POST /api/topics/{t}/partitions/{p}/migrate
//   portal_group_routes.cc    GET /api/groups/{g}, POST /api/groups/{g}/reset-offsets,
//                             POST /api/groups/{g}/owner
//   portal_admin_routes.cc    /api/users, /api/teams, /api/audit, GET /api/cluster
//   portal_dead_letter_routes.cc  /api/dead-letters... (list, show, replay, purge)
//   portal_history_routes.cc  GET /api/{topics/{name},groups/{g},cluster}/history (charts)
//   portal_access_routes.cc   /api/tokens, /api/acls (access tokens and ACL grants)
//   portal_quota_routes.cc    /api/quotas (rate quotas; admins)
// (The lag API, lag_http_api.h, serves the rest of /api/groups and /api/alerts.) Every
// handler validates, checks who may do it (Principal), delegates to the metaserver's
// services, and audits the change with the caller as actor. docs/portal.md has the table.
#pragma once

#include "metaserver/access/access_admin.h"
#include "metaserver/access/audit_trail.h"
#include "metaserver/access/quota_admin.h"
#include "metaserver/cluster/broker_gateway.h"
#include "metaserver/cluster/known_brokers.h"
#include "metaserver/cluster/peer_clusters.h"
#include "metaserver/cluster/topic_service.h"
#include "metaserver/dead_letters/dead_letter_service.h"
#include "metaserver/lag/alert_service.h"
#include "metaserver/lag/lag_collector.h"
#include "metaserver/lifecycle/partition_lifecycle.h"
#include "metaserver/messages/message_search.h"
#include "metaserver/messages/message_trace.h"
#include "metaserver/portal/portal_auth.h"
#include "metaserver/portal/portal_config.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/store/audit_store.h"
#include "metaserver/store/group_owner_store.h"
#include "metaserver/store/session_store.h"
#include "metaserver/store/user_store.h"
#include "server/http_server.h"

namespace mq {

// What the portal's routes use of the metaserver: the wings, as the Thrift handler uses them
// (changes are validated and audited there, actor: the signed-in caller). Everything
// outlives the portal.
struct PortalServices {
  DbPool& meta_pool;
  TopicService& topics;  // topics and their partitions
  LagCollector& collector;
  AlertService& alerts;
  AuditTrail& audit;
  DeadLetterService& dead_letters;
  DatanodeRegistry& datanodes;  // message search reads the datanodes directly
  AccessAdmin& access;          // tokens and grants (audited as the signed-in user)
  QuotaAdmin& quotas;
  PartitionLifecycle& lifecycle;  // retention, partition states, migration, topic deletion
  KnownBrokers& known_brokers;    // the live brokers (the cluster view)
  const PeerClusters& peers;      // the peer clusters and their last check
  std::string cluster_name;       // this cluster's configured name
};

struct PortalContext {
  PortalContext(PortalConfig portal_config, PortalServices portal_services,
                BrokerGatewayOptions broker_client)
      : config(std::move(portal_config)),
        services(portal_services),
        users(services.meta_pool),
        sessions(services.meta_pool),
        owners(services.meta_pool),
        audit_log(services.meta_pool),
        auth(config, users, sessions, services.audit),
        brokers(std::move(broker_client)),
        search(services.topics, services.datanodes),
        trace(services.topics, services.datanodes, services.meta_pool, search) {}

  const PortalConfig config;
  PortalServices services;
  UserStore users;
  SessionStore sessions;
  GroupOwnerStore owners;
  AuditStore audit_log;
  PortalAuth auth;
  BrokerGateway brokers;
  MessageSearch search;
  MessageTrace trace;
};

// Names of users and teams: 1..64 characters from [A-Za-z0-9._-]. Throws ApiError 400
// about `field`.
void checkPrincipalName(const std::string& name, const std::string& field, const char* what);
// The team owning `group_id` ("" = none).
std::string groupOwner(PortalContext& portal, const std::string& group_id);
// The topic `name` when `who` may change it. Throws MqError UNKNOWN_TOPIC, ApiError 403.
TopicRecord topicToChange(PortalContext& portal, const Principal& who, const std::string& name);
// One partition as GET /api/topics/{name} lists it.
void writePartition(JsonWriter& json, const rpc::PartitionLifecycle& partition);
// Message search (portal_search_routes.cc): whether GET /api/topics/{t}/messages is a search
// (a filter, a time bound, a cursor, or no partition), the search, and seek by time
// (GET /api/topics/{t}/offsets?time=). Throw ApiError.
bool isSearch(const HttpRequest& request);
HttpResponse searchMessages(PortalContext& portal, const HttpRequest& request,
                            const std::string& topic);
HttpResponse seekOffsets(PortalContext& portal, const HttpRequest& request,
                         const std::string& topic);
// GET /api/topics/{t}/trace?partition=&offset= (portal_trace_routes.cc). Throws ApiError.
HttpResponse traceMessage(PortalContext& portal, const HttpRequest& request,
                          const std::string& topic);
// /api/topics/{t}/partitions/{p}[/migrate] (portal_partition_routes.cc). Throws ApiError.
HttpResponse partitionResource(PortalContext& portal, const HttpRequest& request);

void registerSessionRoutes(HttpServer& server, PortalContext& portal);
void registerTopicRoutes(HttpServer& server, PortalContext& portal);
void registerGroupRoutes(HttpServer& server, PortalContext& portal);
// GET /api/groups/{group}: membership from a broker, owner team; for registerLagApi.
HttpResponse groupDetails(PortalContext& portal, const HttpRequest& request);
void registerAdminRoutes(HttpServer& server, PortalContext& portal);
void registerDeadLetterRoutes(HttpServer& server, PortalContext& portal);
void registerAccessRoutes(HttpServer& server, PortalContext& portal);
void registerQuotaRoutes(HttpServer& server, PortalContext& portal);
// The charts' series (lag_history.h); 503 lag_not_collected on a metaserver that does not
// collect lag. Throw ApiError.
HttpResponse topicHistory(PortalContext& portal, const HttpRequest& request,
                          const std::string& topic);
HttpResponse groupHistory(PortalContext& portal, const HttpRequest& request,
                          const std::string& group);
HttpResponse clusterHistory(PortalContext& portal, const HttpRequest& request);
// Changes through the lag API (POST /api/alerts, DELETE /api/alerts/{name}) are allowed to
// admins and the owners of the alert's group. Throws ApiError 403.
void authorizeAlertChange(PortalContext& portal, const HttpRequest& request);

}  // namespace mq
