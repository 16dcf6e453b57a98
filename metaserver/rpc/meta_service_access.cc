// MetaService's access-control RPCs (createToken ... listAcls) and the control plane's own
// authorization: what each RPC needs when access control is on and the call came over the
// Thrift port (docs/security.md). A method missing from kNeeds needs `admin` on the
// cluster, so an RPC added later is closed until someone decides otherwise.
#include <fmt/format.h>

#include <cstring>
#include <optional>

#include "common/errors.h"
#include "metaserver/rpc/meta_service_handler.h"
#include "server/rpc_server.h"

namespace mq {
namespace {

enum class Need {
  kAnyToken,  // reads of topology, alerts and lifecycle
  kInBody,    // the method calls requireInBody with its argument
};

struct MethodNeed {
  const char* method;
  Need need;
};

constexpr MethodNeed kNeeds[] = {
    {"listTopics", Need::kAnyToken},
    {"describeTopic", Need::kAnyToken},
    {"listDatanodes", Need::kAnyToken},
    {"listBrokers", Need::kAnyToken},
    {"listAlerts", Need::kAnyToken},
    {"listAlertEvents", Need::kAnyToken},
    {"describeTopicLifecycle", Need::kAnyToken},
    {"listDatanodeLifecycle", Need::kAnyToken},
    {"listOffsetResetEvents", Need::kAnyToken},
    {"listDeadLetters", Need::kAnyToken},
    {"clusterName", Need::kAnyToken},
    {"listPeerClusters", Need::kAnyToken},
    {"createTopic", Need::kInBody},             // admin on the topic (prefix grants work)
    {"ensureDeadLetterTopics", Need::kInBody},  // consume on the group
    {"showDeadLetters", Need::kInBody},         // consume on the group
};

// The caller of the remote call this thread serves, once authorize() checked its token.
thread_local std::optional<Caller> remote_caller;

}  // namespace

void MetaServiceHandler::authorize(const char* method, const rpc::RequestHeader& header) {
  remote_caller.reset();
  if (!access_.enabled() || !servingRemoteCall()) return;
  Caller caller = access_.authenticate(header);
  std::optional<Need> need;
  for (const auto& entry : kNeeds) {
    if (std::strcmp(entry.method, method) == 0) need = entry.need;
  }
  if (!need) caller.require(ResourceType::kCluster, "*", Permission::kAdmin);
  remote_caller = std::move(caller);
}

void MetaServiceHandler::requireInBody(ResourceType type, const std::string& name,
                                       Permission permission) {
  if (remote_caller) remote_caller->require(type, name, permission);
}

std::string MetaServiceHandler::actor(const rpc::RequestHeader& header) {
  if (remote_caller && remote_caller->principal()) {
    return "token:" + remote_caller->principal()->name;
  }
  return header.client_id;
}

void MetaServiceHandler::createToken(rpc::CreateTokenResponse& result,
                                     const rpc::CreateTokenRequest& request) {
  serve("createToken", request.header, [&] {
    auto issued = access_admin_.createToken(actor(request.header), request.name, request.team,
                                            request.description);
    result.token = AccessAdmin::toWire(issued.token);
    result.secret = issued.secret;
  });
}

void MetaServiceHandler::listTokens(std::vector<rpc::AccessToken>& result,
                                    const rpc::RequestHeader& header, const std::string& team) {
  serve("listTokens", header, [&] {
    result.clear();
    for (const auto& token : access_admin_.listTokens(team)) {
      result.push_back(AccessAdmin::toWire(token));
    }
  });
}

void MetaServiceHandler::revokeToken(const rpc::RequestHeader& header, const std::string& name) {
  serve("revokeToken", header, [&] { access_admin_.revokeToken(actor(header), name); });
}

void MetaServiceHandler::grantAcl(rpc::AclEntry& result, const rpc::RequestHeader& header,
                                  const rpc::AclEntry& entry) {
  serve("grantAcl", header, [&] {
    result = AccessAdmin::toWire(access_admin_.grant(actor(header), AccessAdmin::fromWire(entry)));
  });
}

void MetaServiceHandler::revokeAcl(const rpc::RequestHeader& header, const rpc::AclEntry& entry) {
  serve("revokeAcl", header,
        [&] { access_admin_.revoke(actor(header), AccessAdmin::fromWire(entry)); });
}

void MetaServiceHandler::listAcls(std::vector<rpc::AclEntry>& result,
                                  const rpc::RequestHeader& header) {
  serve("listAcls", header, [&] {
    result.clear();
    for (const auto& grant : access_admin_.listGrants()) {
      result.push_back(AccessAdmin::toWire(grant));
    }
  });
}

}  // namespace mq
