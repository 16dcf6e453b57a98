// Every SQL statement on access tokens and ACL grants (sql/meta/008: access_tokens,
// acl_grants). Methods throw sql::SQLException on database errors. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/access_policy.h"
#include "storage/db_pool.h"

namespace mq {

class AccessStore {
 public:
  explicit AccessStore(DbPool& pool) : pool_(pool) {}

  // False when a token of that name, or with that secret's hash, exists (nothing changed).
  // Sets token.id.
  bool insertToken(AccessTokenRecord& token);
  std::optional<AccessTokenRecord> findToken(const std::string& name);
  // Every token, by name; team "" = every team.
  std::vector<AccessTokenRecord> listTokens(const std::string& team = "");
  // Deletes the token and the grants made to it by name, in one transaction. False when
  // there was no such token.
  bool removeToken(const std::string& name);
  // Raises last_used_ms of the tokens (id -> time) in one statement.
  void recordUse(const std::unordered_map<int64_t, int64_t>& used_ms);

  // False when the same grant exists.
  bool insertGrant(const AclGrant& grant);
  // False when there was no such grant.
  bool removeGrant(const AclGrant& grant);
  // Every grant, ordered by resource, principal and permission.
  std::vector<AclGrant> listGrants();

 private:
  DbPool& pool_;
};

}  // namespace mq
