#include "storage/access_store.h"

#include <fmt/format.h>

namespace mq {
namespace {

constexpr const char* kTokenColumns =
    "SELECT id, name, team, token_hash, description, created_ms, created_by, last_used_ms "
    "FROM access_tokens ";

AccessTokenRecord readToken(sql::ResultSet& rows) {
  AccessTokenRecord token;
  token.id = rows.getInt64(1);
  token.name = columnText(rows, 2);
  token.team = columnText(rows, 3);
  token.token_hash = columnText(rows, 4);
  token.description = columnText(rows, 5);
  token.created_ms = rows.getInt64(6);
  token.created_by = columnText(rows, 7);
  token.last_used_ms = rows.getInt64(8);
  return token;
}

void bindGrantKey(sql::PreparedStatement& statement, const AclGrant& grant) {
  statement.setString(1, resourceTypeName(grant.resource_type));
  statement.setString(2, grant.resource_name);
  statement.setString(3, principalTypeName(grant.principal_type));
  statement.setString(4, grant.principal_name);
  statement.setString(5, permissionName(grant.permission));
}

}  // namespace

bool AccessStore::insertToken(AccessTokenRecord& token) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT INTO access_tokens (name, team, token_hash, description, created_ms, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  insert.setString(1, token.name);
  insert.setString(2, token.team);
  insert.setString(3, token.token_hash);
  insert.setString(4, token.description);
  insert.setInt64(5, token.created_ms);
  insert.setString(6, token.created_by);
  if (!executeInsertUnlessDuplicate(insert)) return false;
  auto id = db->query("SELECT LAST_INSERT_ID()");
  id->next();
  token.id = id->getInt64(1);
  return true;
}

std::optional<AccessTokenRecord> AccessStore::findToken(const std::string& name) {
  auto db = pool_.acquire();
  auto& select = db->prepare(std::string(kTokenColumns) + "WHERE name = ?");
  select.setString(1, name);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return std::nullopt;
  return readToken(*rows);
}

std::vector<AccessTokenRecord> AccessStore::listTokens(const std::string& team) {
  auto db = pool_.acquire();
  auto& select = db->prepare(std::string(kTokenColumns) + "WHERE ? = '' OR team = ? ORDER BY name");
  select.setString(1, team);
  select.setString(2, team);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<AccessTokenRecord> tokens;
  while (rows->next()) tokens.push_back(readToken(*rows));
  return tokens;
}

bool AccessStore::removeToken(const std::string& name) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& remove = db->prepare("DELETE FROM access_tokens WHERE name = ?");
  remove.setString(1, name);
  if (remove.executeUpdate() == 0) return false;
  auto& grants =
      db->prepare("DELETE FROM acl_grants WHERE principal_type = 'token' AND principal_name = ?");
  grants.setString(1, name);
  grants.executeUpdate();
  transaction.commit();
  return true;
}

void AccessStore::recordUse(const std::unordered_map<int64_t, int64_t>& used_ms) {
  if (used_ms.empty()) return;
  // Integers only, so the literal statement is safe; one statement for every token.
  std::string cases, ids;
  for (const auto& [id, ms] : used_ms) {
    cases += fmt::format(" WHEN {} THEN {}", id, ms);
    ids += fmt::format("{}{}", ids.empty() ? "" : ",", id);
  }
  auto db = pool_.acquire();
  db->execute(fmt::format(
      "UPDATE access_tokens SET last_used_ms = GREATEST(last_used_ms, CASE id{} ELSE 0 END) "
      "WHERE id IN ({})",
      cases, ids));
}

bool AccessStore::insertGrant(const AclGrant& grant) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT INTO acl_grants (resource_type, resource_name, principal_type, principal_name, "
      "permission, created_ms, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)");
  bindGrantKey(insert, grant);
  insert.setInt64(6, grant.created_ms);
  insert.setString(7, grant.created_by);
  return executeInsertUnlessDuplicate(insert);
}

bool AccessStore::removeGrant(const AclGrant& grant) {
  auto db = pool_.acquire();
  auto& remove = db->prepare(
      "DELETE FROM acl_grants WHERE resource_type = ? AND resource_name = ? AND "
      "principal_type = ? AND principal_name = ? AND permission = ?");
  bindGrantKey(remove, grant);
  return remove.executeUpdate() > 0;
}

std::vector<AclGrant> AccessStore::listGrants() {
  auto db = pool_.acquire();
  auto rows = db->query(
      "SELECT resource_type, resource_name, principal_type, principal_name, permission, "
      "created_ms, created_by FROM acl_grants ORDER BY resource_type, resource_name, "
      "principal_type, principal_name, permission");
  std::vector<AclGrant> grants;
  while (rows->next()) {
    auto resource = parseResourceType(columnText(*rows, 1));
    auto principal = parsePrincipalType(columnText(*rows, 3));
    auto permission = parsePermission(columnText(*rows, 5));
    if (!resource || !principal || !permission) continue;  // not written by mq: ignored
    AclGrant grant;
    grant.resource_type = *resource;
    grant.resource_name = columnText(*rows, 2);
    grant.principal_type = *principal;
    grant.principal_name = columnText(*rows, 4);
    grant.permission = *permission;
    grant.created_ms = rows->getInt64(6);
    grant.created_by = columnText(*rows, 7);
    grants.push_back(std::move(grant));
  }
  return grants;
}

}  // namespace mq
