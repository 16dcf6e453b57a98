// Who may do what on the data plane (docs/security.md): access tokens and ACL grants as
// records, their validation, and AccessPolicy, the in-memory view brokers and metaservers
// check every request against. Pure logic: no SQL, no clock, no threads.
//
// A grant gives a permission (produce, consume, admin; admin implies the other two) on a
// resource (a topic, a consumer group, or the cluster) to one token or to every token of a
// team. `admin` on the cluster allows everything. A resource name is exact, a prefix ending in '*'
// ("orders.*"), or "*" (all).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mq {

enum class Permission : uint8_t { kProduce = 1, kConsume = 2, kAdmin = 4 };
enum class ResourceType : uint8_t { kTopic = 0, kGroup = 1, kCluster = 2 };
enum class PrincipalType : uint8_t { kToken = 0, kTeam = 1 };

const char* permissionName(Permission permission);
const char* resourceTypeName(ResourceType type);
const char* principalTypeName(PrincipalType type);
std::optional<Permission> parsePermission(std::string_view text);
std::optional<ResourceType> parseResourceType(std::string_view text);
std::optional<PrincipalType> parsePrincipalType(std::string_view text);

// Prefix of every secret ("mq_" + 64 hex digits), so secret scanners can recognise one.
inline constexpr std::string_view kTokenSecretPrefix = "mq_";

struct AccessTokenRecord {
  int64_t id = 0;
  std::string name;        // unique; 1-64 characters from [A-Za-z0-9._-]
  std::string team;        // 1-64 characters from [A-Za-z0-9._-]
  std::string token_hash;  // SHA-256 of the secret, hex; never the secret
  std::string description;
  int64_t created_ms = 0;
  std::string created_by;
  int64_t last_used_ms = 0;
};

struct AclGrant {
  ResourceType resource_type = ResourceType::kTopic;
  std::string resource_name;  // exact, prefix ending in '*', or "*"; "*" for the cluster
  PrincipalType principal_type = PrincipalType::kToken;
  std::string principal_name;  // a token's name or a team's name
  Permission permission = Permission::kConsume;
  int64_t created_ms = 0;
  std::string created_by;
};

// What is wrong with a token or team name (1-64 characters from [A-Za-z0-9._-]), or nullopt.
std::optional<std::string> principalNameProblem(const std::string& name);
// What is wrong with a grant (names, a cluster grant's resource must be "*"), or nullopt;
// `field`, when given, is set to the field to blame ("principal_name" or "resource_name").
std::optional<std::string> grantProblem(const AclGrant& grant, std::string* field = nullptr);
// "produce on topic orders.* for team payments".
std::string describeGrant(const AclGrant& grant);

// One token the policy knows, with every grant that applies to it (its own and its team's).
class AccessPrincipal {
 public:
  int64_t id = 0;
  std::string name;
  std::string team;

  // True when a grant gives `permission` (or admin) on `name` of `type`.
  bool allows(ResourceType type, const std::string& name, Permission permission) const;

  // Last time the token was used (0 = not since the policy was built); written by any
  // request thread, read by the refresh thread that reports it to the database.
  mutable std::atomic<int64_t> used_ms{0};

 private:
  friend class AccessPolicy;
  struct Grants {
    uint8_t all = 0;  // bits granted on "*"
    std::unordered_map<std::string, uint8_t> exact;
    std::vector<std::pair<std::string, uint8_t>> prefixes;  // without the '*'
  };
  void add(const AclGrant& grant);
  Grants grants_[3];
};

class AccessPolicy {
 public:
  AccessPolicy() = default;
  AccessPolicy(const std::vector<AccessTokenRecord>& tokens, const std::vector<AclGrant>& grants);
  AccessPolicy(const AccessPolicy&) = delete;
  AccessPolicy& operator=(const AccessPolicy&) = delete;

  // The token whose secret hashes to `token_hash`, or null.
  const AccessPrincipal* find(const std::string& token_hash) const;
  size_t tokenCount() const { return by_hash_.size(); }
  // Calls fn(principal) for every token.
  template <class Fn>
  void forEach(Fn&& fn) const {
    for (const auto& [hash, principal] : by_hash_) fn(principal);
  }

 private:
  std::unordered_map<std::string, AccessPrincipal> by_hash_;
};

}  // namespace mq
