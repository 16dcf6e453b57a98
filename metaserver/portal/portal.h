// The portal (docs/portal.md): the metaserver's web front end on its HTTP port. Serves the
// pages (static files from portal-dir), signs people in (portal_auth.h) and answers the
// portal's JSON API under /api/ (portal_routes.h); consumer lag and alerts come from the lag
// API (lag_http_api.h), which this wraps with sign-in and ownership checks.
#pragma once

#include <memory>

#include "metaserver/lag/lag_http_api.h"
#include "metaserver/portal/portal_routes.h"
#include "server/http_server.h"
#include "server/security_config.h"

namespace mq {

class Portal {
 public:
  // `broker_client`: how to reach brokers (this metaserver's MetaService address).
  Portal(PortalConfig config, PortalServices services, BrokerGatewayOptions broker_client);
  ~Portal();

  // Creates the first admin when there is none (PortalAuth::ensureFirstAdmin). Throws.
  void ensureFirstAdmin();
  // Installs the sign-in filter, the static files at "/" and the portal's /api/ routes.
  // REQUIRES: before server.start(); this object outlives the server.
  void registerRoutes(HttpServer& server);
  // For registerLagApi's group_details: GET /api/groups/{group}.
  HttpHandler groupDetailsHandler();
  // For registerLagApi's may_change: admins and the group's owner team (what the filter
  // enforces on alert changes); false for a caller that is not signed in.
  AlertChangeCheck alertChangeCheck();

 private:
  std::unique_ptr<PortalContext> context_;
};

// How the portal reaches brokers: through the MetaService of the metaserver at host:port
// (0.0.0.0 as 127.0.0.1), with timeouts short enough for a page, this daemon's token and
// its TLS settings as a client (SecurityConfig::clientTls).
BrokerGatewayOptions portalBrokerClient(const std::string& host, int port,
                                        const SecurityConfig& security);

// A GET handler serving the files under `dir`: "/" is index.html; only plain files inside
// `dir` (no "..", no hidden names, no symlinks out), with a strict Content-Security-Policy.
// Paths under /api/ answer a JSON 404.
HttpHandler portalStaticFiles(const std::string& dir);

}  // namespace mq
