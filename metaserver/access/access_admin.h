// Issuing and revoking access tokens and ACL grants (docs/security.md), for MetaService's
// Thrift RPCs (meta_service_access.cc) and the portal's /api/tokens and /api/acls. Validates
// every input (a refusal is MqError INVALID_REQUEST naming the field and changes nothing),
// makes the secret, stores only its hash, and audits every change (never the secret).
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/access_policy.h"
#include "metaserver/access/audit_trail.h"
#include "mq_types.h"
#include "storage/access_store.h"

namespace mq {

struct IssuedToken {
  AccessTokenRecord token;
  std::string secret;  // "mq_" + 64 hex digits; returned once, never stored
};

class AccessAdmin {
 public:
  AccessAdmin(AccessStore& store, AuditTrail& audit) : store_(store), audit_(audit) {}

  IssuedToken createToken(const std::string& actor, const std::string& name,
                          const std::string& team, const std::string& description);
  std::vector<AccessTokenRecord> listTokens(const std::string& team);
  void revokeToken(const std::string& actor, const std::string& name);

  // Refuses a grant to a token that does not exist (a typo would grant nothing).
  AclGrant grant(const std::string& actor, AclGrant grant);
  void revoke(const std::string& actor, const AclGrant& grant);
  std::vector<AclGrant> listGrants();
  // When no token has `admin` on the cluster: issues `bootstrap-admin` (team admin) with
  // that grant, writes its secret to `secret_file` (0600) and returns true. Throws
  // std::runtime_error when the file cannot be written.
  bool ensureBootstrapAdmin(const std::string& secret_file);

  // Wire forms; fromWire throws MqError INVALID_REQUEST naming a bad field.
  static rpc::AccessToken toWire(const AccessTokenRecord& token);
  static rpc::AclEntry toWire(const AclGrant& grant);
  static AclGrant fromWire(const rpc::AclEntry& entry);

 private:
  AccessStore& store_;
  AuditTrail& audit_;
};

}  // namespace mq
