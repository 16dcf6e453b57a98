// mq::AdminClient's access-control calls (MetaService createToken ... listAcls). Validation
// is the metaserver's; changes are not retried once they may have reached it.
#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "mq/client.h"

namespace mq::client {

CreateTokenResponse AdminClient::createToken(const std::string& name, const std::string& team,
                                             const std::string& description) {
  rpc::CreateTokenRequest request;
  request.header = impl_->header();
  request.name = name;
  request.team = team;
  request.description = description;
  rpc::CreateTokenResponse created;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.createToken(created, request); }, false);
  return fromWire(created);
}

std::vector<AccessToken> AdminClient::listTokens(const std::string& team) {
  std::vector<rpc::AccessToken> tokens;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listTokens(tokens, header, team); }, true);
  return fromWire(tokens);
}

void AdminClient::revokeToken(const std::string& name) {
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.revokeToken(header, name); }, false);
}

AclEntry AdminClient::grantAcl(const AclEntry& entry) {
  auto header = impl_->header();
  auto wire = toWire(entry);
  rpc::AclEntry granted;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.grantAcl(granted, header, wire); }, false);
  return fromWire(granted);
}

void AdminClient::revokeAcl(const AclEntry& entry) {
  auto header = impl_->header();
  auto wire = toWire(entry);
  impl_->meta([&](rpc::MetaServiceClient& c) { c.revokeAcl(header, wire); }, false);
}

std::vector<AclEntry> AdminClient::listAcls() {
  std::vector<rpc::AclEntry> acls;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listAcls(acls, header); }, true);
  return fromWire(acls);
}

}  // namespace mq::client
