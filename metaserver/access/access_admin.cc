#include "metaserver/access/access_admin.h"

#include <fmt/format.h>

#include <initializer_list>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "server/security_config.h"

namespace mq {
namespace {

constexpr size_t kSecretBytes = 32;

// {"name":"value",...} of string fields, for the audit log.
std::string auditJson(std::initializer_list<std::pair<const char*, std::string_view>> fields) {
  std::string out = "{";
  for (const auto& [name, value] : fields) {
    if (out.size() > 1) out += ',';
    out += fmt::format("\"{}\":", name);
    appendJsonString(out, value);
  }
  return out + "}";
}

std::string tokenJson(const AccessTokenRecord& token) {
  return auditJson({{"name", token.name},
                    {"team", token.team},
                    {"description", token.description},
                    {"created_by", token.created_by}});
}

std::string grantJson(const AclGrant& grant) {
  return auditJson({{"resource_type", resourceTypeName(grant.resource_type)},
                    {"resource_name", grant.resource_name},
                    {"principal_type", principalTypeName(grant.principal_type)},
                    {"principal_name", grant.principal_name},
                    {"permission", permissionName(grant.permission)}});
}

}  // namespace

IssuedToken AccessAdmin::createToken(const std::string& actor, const std::string& name,
                                     const std::string& team, const std::string& description) {
  if (auto problem = principalNameProblem(name)) throwInvalid("token name " + *problem);
  if (auto problem = principalNameProblem(team)) throwInvalid("team " + *problem);
  if (description.size() > 1024) throwInvalid("description must be at most 1024 bytes");
  IssuedToken issued;
  issued.secret = std::string(kTokenSecretPrefix) + randomHex(kSecretBytes);
  issued.token.name = name;
  issued.token.team = team;
  issued.token.description = description;
  issued.token.token_hash = sha256Hex(issued.secret);
  issued.token.created_ms = nowMs();
  issued.token.created_by = actor;
  AuditTrail::Change change(audit_);
  if (!store_.insertToken(issued.token)) {
    throwInvalid(fmt::format("a token named `{}` exists (revoke it first to reissue)", name));
  }
  audit_.record(actor, "token.create", name, "", tokenJson(issued.token));
  change.commit();
  return issued;
}

std::vector<AccessTokenRecord> AccessAdmin::listTokens(const std::string& team) {
  return store_.listTokens(team);
}

void AccessAdmin::revokeToken(const std::string& actor, const std::string& name) {
  AuditTrail::Change change(audit_);
  auto token = store_.findToken(name);
  if (!token || !store_.removeToken(name))
    throwInvalid(fmt::format("there is no token `{}`", name));
  audit_.record(actor, "token.revoke", name, tokenJson(*token), "");
  change.commit();
}

AclGrant AccessAdmin::grant(const std::string& actor, AclGrant grant) {
  if (auto problem = grantProblem(grant)) throwInvalid(*problem);
  if (grant.principal_type == PrincipalType::kToken && !store_.findToken(grant.principal_name)) {
    throwInvalid(
        fmt::format("there is no token `{}` (grant to a team with --team)", grant.principal_name));
  }
  grant.created_ms = nowMs();
  grant.created_by = actor;
  AuditTrail::Change change(audit_);
  if (!store_.insertGrant(grant))
    throwInvalid(fmt::format("{} is granted already", describeGrant(grant)));
  audit_.record(actor, "acl.grant", describeGrant(grant), "", grantJson(grant));
  change.commit();
  return grant;
}

void AccessAdmin::revoke(const std::string& actor, const AclGrant& grant) {
  if (auto problem = grantProblem(grant)) throwInvalid(*problem);
  AuditTrail::Change change(audit_);
  if (!store_.removeGrant(grant))
    throwInvalid(fmt::format("{} is not granted", describeGrant(grant)));
  audit_.record(actor, "acl.revoke", describeGrant(grant), grantJson(grant), "");
  change.commit();
}

std::vector<AclGrant> AccessAdmin::listGrants() { return store_.listGrants(); }

bool AccessAdmin::ensureBootstrapAdmin(const std::string& secret_file) {
  const auto tokens = store_.listTokens();
  const auto grants = store_.listGrants();
  for (const auto& grant : grants) {
    if (grant.resource_type != ResourceType::kCluster || grant.permission != Permission::kAdmin) {
      continue;
    }
    for (const auto& token : tokens) {
      const bool applies = grant.principal_type == PrincipalType::kToken
                               ? token.name == grant.principal_name
                               : token.team == grant.principal_name;
      if (applies) return false;
    }
  }
  constexpr const char* kActor = "metaserver";
  if (store_.findToken("bootstrap-admin")) revokeToken(kActor, "bootstrap-admin");
  IssuedToken issued = createToken(kActor, "bootstrap-admin", "admin",
                                   "issued at start-up because no token was a cluster admin");
  AclGrant admin;
  admin.resource_type = ResourceType::kCluster;
  admin.resource_name = "*";
  admin.principal_type = PrincipalType::kToken;
  admin.principal_name = "bootstrap-admin";
  admin.permission = Permission::kAdmin;
  grant(kActor, admin);
  writeSecretFile("the bootstrap admin token", secret_file, issued.secret + "\n");
  return true;
}

rpc::AccessToken AccessAdmin::toWire(const AccessTokenRecord& token) {
  rpc::AccessToken wire;  // never the hash
  wire.name = token.name;
  wire.team = token.team;
  wire.description = token.description;
  wire.created_ms = token.created_ms;
  wire.created_by = token.created_by;
  wire.last_used_ms = token.last_used_ms;
  return wire;
}

rpc::AclEntry AccessAdmin::toWire(const AclGrant& grant) {
  rpc::AclEntry entry;
  entry.resource_type = resourceTypeName(grant.resource_type);
  entry.resource_name = grant.resource_name;
  entry.principal_type = principalTypeName(grant.principal_type);
  entry.principal_name = grant.principal_name;
  entry.permission = permissionName(grant.permission);
  entry.created_ms = grant.created_ms;
  entry.created_by = grant.created_by;
  return entry;
}

AclGrant AccessAdmin::fromWire(const rpc::AclEntry& entry) {
  AclGrant grant;
  auto resource = parseResourceType(entry.resource_type);
  if (!resource) {
    throwInvalid(
        fmt::format("resource type `{}` must be topic, group or cluster", entry.resource_type));
  }
  auto principal = parsePrincipalType(entry.principal_type);
  if (!principal) {
    throwInvalid(fmt::format("principal type `{}` must be token or team", entry.principal_type));
  }
  auto permission = parsePermission(entry.permission);
  if (!permission) {
    throwInvalid(
        fmt::format("permission `{}` must be produce, consume or admin", entry.permission));
  }
  grant.resource_type = *resource;
  grant.resource_name = entry.resource_name;
  grant.principal_type = *principal;
  grant.principal_name = entry.principal_name;
  grant.permission = *permission;
  return grant;
}

}  // namespace mq
