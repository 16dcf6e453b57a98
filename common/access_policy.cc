#include "common/access_policy.h"

#include <fmt/format.h>

namespace mq {
namespace {

uint8_t bit(Permission permission) { return static_cast<uint8_t>(permission); }

}  // namespace

const char* permissionName(Permission permission) {
  switch (permission) {
    case Permission::kProduce:
      return "produce";
    case Permission::kConsume:
      return "consume";
    case Permission::kAdmin:
      return "admin";
  }
  return "?";
}

const char* resourceTypeName(ResourceType type) {
  switch (type) {
    case ResourceType::kTopic:
      return "topic";
    case ResourceType::kGroup:
      return "group";
    case ResourceType::kCluster:
      return "cluster";
  }
  return "?";
}

const char* principalTypeName(PrincipalType type) {
  return type == PrincipalType::kToken ? "token" : "team";
}

std::optional<Permission> parsePermission(std::string_view text) {
  for (auto p : {Permission::kProduce, Permission::kConsume, Permission::kAdmin}) {
    if (text == permissionName(p)) return p;
  }
  return std::nullopt;
}

std::optional<ResourceType> parseResourceType(std::string_view text) {
  for (auto t : {ResourceType::kTopic, ResourceType::kGroup, ResourceType::kCluster}) {
    if (text == resourceTypeName(t)) return t;
  }
  return std::nullopt;
}

std::optional<PrincipalType> parsePrincipalType(std::string_view text) {
  for (auto t : {PrincipalType::kToken, PrincipalType::kTeam}) {
    if (text == principalTypeName(t)) return t;
  }
  return std::nullopt;
}

std::optional<std::string> principalNameProblem(const std::string& name) {
  if (name.empty() || name.size() > 64) return "must be 1 to 64 characters long";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return fmt::format("may only hold [A-Za-z0-9._-] (found `{}`)", c);
  }
  return std::nullopt;
}

std::optional<std::string> grantProblem(const AclGrant& grant, std::string* field) {
  std::string ignored;
  std::string& blame = field ? *field : ignored;
  blame = "principal_name";
  if (auto problem = principalNameProblem(grant.principal_name)) {
    return fmt::format("{} name `{}` {}", principalTypeName(grant.principal_type),
                       grant.principal_name, *problem);
  }
  blame = "resource_name";
  const std::string& name = grant.resource_name;
  if (grant.resource_type == ResourceType::kCluster) {
    if (name != "*") return std::string("a cluster grant's resource name must be `*`");
    blame.clear();
    return std::nullopt;
  }
  if (name.empty() || name.size() > 255) {
    return fmt::format("{} name must be 1 to 255 characters long",
                       resourceTypeName(grant.resource_type));
  }
  const size_t star = name.find('*');
  if (star != std::string::npos && star != name.size() - 1) {
    return fmt::format("`{}`: `*` may only end a name (a prefix such as orders.*)", name);
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return fmt::format("`{}` holds a space or control character", name);
    }
  }
  blame.clear();
  return std::nullopt;
}

std::string describeGrant(const AclGrant& grant) {
  return fmt::format("{} on {} {} for {} {}", permissionName(grant.permission),
                     resourceTypeName(grant.resource_type), grant.resource_name,
                     principalTypeName(grant.principal_type), grant.principal_name);
}

bool AccessPrincipal::allows(ResourceType type, const std::string& name,
                             Permission permission) const {
  const uint8_t wanted = bit(permission) | bit(Permission::kAdmin);
  // `admin` on the cluster may do everything.
  if (grants_[static_cast<int>(ResourceType::kCluster)].all & bit(Permission::kAdmin)) return true;
  const Grants& grants = grants_[static_cast<int>(type)];
  if (grants.all & wanted) return true;
  if (!grants.exact.empty()) {
    auto found = grants.exact.find(name);
    if (found != grants.exact.end() && (found->second & wanted)) return true;
  }
  for (const auto& [prefix, bits] : grants.prefixes) {
    if ((bits & wanted) && name.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

void AccessPrincipal::add(const AclGrant& grant) {
  Grants& grants = grants_[static_cast<int>(grant.resource_type)];
  const std::string& name = grant.resource_name;
  if (name == "*") {
    grants.all |= bit(grant.permission);
  } else if (name.back() == '*') {
    const std::string prefix = name.substr(0, name.size() - 1);
    for (auto& [known, bits] : grants.prefixes) {
      if (known == prefix) {
        bits |= bit(grant.permission);
        return;
      }
    }
    grants.prefixes.emplace_back(prefix, bit(grant.permission));
  } else {
    grants.exact[name] |= bit(grant.permission);
  }
}

AccessPolicy::AccessPolicy(const std::vector<AccessTokenRecord>& tokens,
                           const std::vector<AclGrant>& grants) {
  std::unordered_map<std::string, std::vector<const AclGrant*>> of_token, of_team;
  for (const auto& grant : grants) {
    if (grantProblem(grant)) continue;  // written by hand in the database: ignored
    auto& index = grant.principal_type == PrincipalType::kToken ? of_token : of_team;
    index[grant.principal_name].push_back(&grant);
  }
  by_hash_.reserve(tokens.size());
  for (const auto& token : tokens) {
    AccessPrincipal& principal = by_hash_[token.token_hash];
    principal.id = token.id;
    principal.name = token.name;
    principal.team = token.team;
    for (auto* index : {&of_token, &of_team}) {
      auto found = index->find(index == &of_token ? token.name : token.team);
      if (found == index->end()) continue;
      for (const AclGrant* grant : found->second) principal.add(*grant);
    }
  }
}

const AccessPrincipal* AccessPolicy::find(const std::string& token_hash) const {
  auto found = by_hash_.find(token_hash);
  return found == by_hash_.end() ? nullptr : &found->second;
}

}  // namespace mq
