// mq::AdminClient's access-control calls (MetaService createToken ... listAcls). Validation
// is the metaserver's; changes are not retried once they may have reached it.
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

rpc::CreateTokenResponse AdminClient::createToken(const std::string& name, const std::string& team,
                                                  const std::string& description) {
  rpc::CreateTokenRequest request;
  request.header = metaHeader();
  request.name = name;
  request.team = team;
  request.description = description;
  rpc::CreateTokenResponse created;
  metaCall([&](rpc::MetaServiceClient& c) { c.createToken(created, request); }, false);
  return created;
}

std::vector<rpc::AccessToken> AdminClient::listTokens(const std::string& team) {
  std::vector<rpc::AccessToken> tokens;
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.listTokens(tokens, header, team); }, true);
  return tokens;
}

void AdminClient::revokeToken(const std::string& name) {
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.revokeToken(header, name); }, false);
}

rpc::AclEntry AdminClient::grantAcl(const rpc::AclEntry& entry) {
  auto header = metaHeader();
  rpc::AclEntry granted;
  metaCall([&](rpc::MetaServiceClient& c) { c.grantAcl(granted, header, entry); }, false);
  return granted;
}

void AdminClient::revokeAcl(const rpc::AclEntry& entry) {
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.revokeAcl(header, entry); }, false);
}

std::vector<rpc::AclEntry> AdminClient::listAcls() {
  std::vector<rpc::AclEntry> acls;
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.listAcls(acls, header); }, true);
  return acls;
}

}  // namespace mq
