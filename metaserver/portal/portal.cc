#include "metaserver/portal/portal.h"

#include <fmt/format.h>

#include "common/log.h"
#include "metaserver/json_api.h"

namespace mq {
namespace {

bool isAlertChange(const HttpRequest& request) {
  return (request.method == "POST" || request.method == "DELETE") &&
         (request.path == "/api/alerts" || request.path.rfind("/api/alerts/", 0) == 0);
}

}  // namespace

BrokerGatewayOptions portalBrokerClient(const std::string& host, int port,
                                        const SecurityConfig& security) {
  BrokerGatewayOptions config;
  config.metaserver = fmt::format("{}:{}", host == "0.0.0.0" ? "127.0.0.1" : host, port);
  config.client_id = "mq-portal";
  config.token = security.token;
  config.tls = security.clientTls();
  config.request_timeout_ms = 10000;
  config.retries = 2;
  config.retry_backoff_max_ms = 1000;
  return config;
}

Portal::Portal(PortalConfig config, PortalServices services, BrokerGatewayOptions broker_client)
    : context_(
          std::make_unique<PortalContext>(std::move(config), services, std::move(broker_client))) {}

Portal::~Portal() = default;

void Portal::ensureFirstAdmin() { context_->auth.ensureFirstAdmin(); }

void Portal::registerRoutes(HttpServer& server) {
  PortalContext* portal = context_.get();
  server.setFilter([portal](HttpRequest& request) -> std::optional<HttpResponse> {
    std::optional<HttpResponse> answer;
    auto response = guardedApi([&] {
      answer = portal->auth.filter(request);
      // The lag API does not know teams: its changes are checked here.
      if (!answer && portal->auth.enabled() && isAlertChange(request)) {
        authorizeAlertChange(*portal, request);
      }
      return HttpResponse();
    });
    if (response.status != 200) return response;  // a refusal or a database failure
    return answer;
  });
  server.route("GET", "/", portalStaticFiles(portal->config.portal_dir));
  registerSessionRoutes(server, *portal);
  registerTopicRoutes(server, *portal);
  registerGroupRoutes(server, *portal);
  registerAdminRoutes(server, *portal);
  registerDeadLetterRoutes(server, *portal);
  registerAccessRoutes(server, *portal);
  registerQuotaRoutes(server, *portal);
  logInfo("portal routes registered")
      .kv("portal_dir", portal->config.portal_dir)
      .kv("http_auth", portal->auth.enabled());
}

HttpHandler Portal::groupDetailsHandler() {
  PortalContext* portal = context_.get();
  return [portal](const HttpRequest& request) { return groupDetails(*portal, request); };
}

AlertChangeCheck Portal::alertChangeCheck() {
  PortalContext* portal = context_.get();
  return [portal](const HttpRequest& request, const std::string& group) {
    try {
      return portal->auth.principal(request).mayChange(groupOwner(*portal, group));
    } catch (const ApiError&) {
      return false;  // not signed in
    }
  };
}

}  // namespace mq
