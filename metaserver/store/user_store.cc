#include "metaserver/store/user_store.h"

#include <map>

namespace mq {
namespace {

constexpr int kDuplicateKey = 1062;  // ER_DUP_ENTRY

UserRecord readUser(sql::ResultSet& rows) {
  UserRecord user;
  user.name = columnText(rows, 1);
  user.password_hash = columnText(rows, 2);
  user.admin = rows.getInt(3) != 0;
  user.created_ms = rows.getInt64(4);
  user.password_ms = rows.getInt64(5);
  return user;
}

constexpr const char* kUserColumns = "name, password_hash, is_admin, created_ms, password_ms";

// Returns the rows inserted (0 when IGNOREd).
int insertUserRow(DbConnection& db, const UserRecord& user, bool ignore) {
  auto& insert = db.prepare(std::string(ignore ? "INSERT IGNORE" : "INSERT") +
                            " INTO users (name, password_hash, is_admin, created_ms, password_ms)"
                            " VALUES (?, ?, ?, ?, ?)");
  insert.setString(1, user.name);
  insert.setString(2, user.password_hash);
  insert.setInt(3, user.admin ? 1 : 0);
  insert.setInt64(4, user.created_ms);
  insert.setInt64(5, user.password_ms);
  return insert.executeUpdate();
}

}  // namespace

std::optional<UserRecord> UserStore::findUser(const std::string& name) {
  auto db = pool_.acquire();
  auto& select = db->prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?");
  select.setString(1, name);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  UserRecord user = readUser(*rows);
  // ix_team_members_user
  auto& teams =
      db->prepare("SELECT team_name FROM team_members WHERE user_name = ? ORDER BY team_name");
  teams.setString(1, name);
  auto team_rows = runQuery(teams);
  while (team_rows->next()) user.teams.push_back(columnText(*team_rows, 1));
  return user;
}

std::vector<UserRecord> UserStore::listUsers() {
  auto db = pool_.acquire();
  std::vector<UserRecord> users;
  std::map<std::string, size_t> index;
  auto rows = db->query(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name");
  while (rows->next()) {
    users.push_back(readUser(*rows));
    index[users.back().name] = users.size() - 1;
  }
  auto members = db->query("SELECT user_name, team_name FROM team_members ORDER BY team_name");
  while (members->next()) {
    auto it = index.find(columnText(*members, 1));
    if (it != index.end()) users[it->second].teams.push_back(columnText(*members, 2));
  }
  return users;
}

bool UserStore::insertUser(const UserRecord& user) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  try {
    insertUserRow(*db, user, false);
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kDuplicateKey) return false;
    throw;
  }
  for (const auto& team : user.teams) {
    auto& insert = db->prepare(
        "INSERT IGNORE INTO team_members (team_name, user_name, added_ms) VALUES (?, ?, ?)");
    insert.setString(1, team);
    insert.setString(2, user.name);
    insert.setInt64(3, user.created_ms);
    insert.executeUpdate();
  }
  transaction.commit();
  return true;
}

bool UserStore::insertFirstAdmin(const UserRecord& user) {
  auto db = pool_.acquire();
  // Concurrent starts serialise on one row lock: the connections run READ COMMITTED, which
  // takes no gap locks, so locking the (absent) admin rows alone let two starts both find
  // none and both insert (a store test caught it). The row is the `leases` row
  // `first-admin`: made once, on its own (inside the transaction, waiting INSERT IGNOREs
  // would hold shared locks and deadlock on the FOR UPDATE), then held FOR UPDATE until the
  // commit; the loser finds the winner's admin.
  db->prepare("INSERT IGNORE INTO leases (name, holder, expires_ms) VALUES ('first-admin', '', 0)")
      .executeUpdate();
  DbTransaction transaction(db);
  runQuery(db->prepare("SELECT name FROM leases WHERE name = 'first-admin' FOR UPDATE"));
  auto existing = db->query("SELECT COUNT(*) FROM users WHERE is_admin = 1");
  existing->next();
  if (existing->getInt64(1) > 0) return false;
  UserRecord admin = user;
  admin.admin = true;
  const bool inserted = insertUserRow(*db, admin, true) > 0;
  transaction.commit();
  return inserted;
}

bool UserStore::deleteUser(const std::string& name) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& members = db->prepare("DELETE FROM team_members WHERE user_name = ?");
  members.setString(1, name);
  members.executeUpdate();
  auto& remove = db->prepare("DELETE FROM users WHERE name = ?");
  remove.setString(1, name);
  const bool deleted = remove.executeUpdate() > 0;
  transaction.commit();
  return deleted;
}

bool UserStore::setPassword(const std::string& name, const std::string& password_hash,
                            int64_t now_ms) {
  auto db = pool_.acquire();
  auto& update = db->prepare("UPDATE users SET password_hash = ?, password_ms = ? WHERE name = ?");
  update.setString(1, password_hash);
  update.setInt64(2, now_ms);
  update.setString(3, name);
  return update.executeUpdate() > 0;
}

int UserStore::adminCount() {
  auto db = pool_.acquire();
  auto rows = db->query("SELECT COUNT(*) FROM users WHERE is_admin = 1");
  rows->next();
  return static_cast<int>(rows->getInt64(1));
}

std::vector<TeamRecord> UserStore::listTeams() {
  auto db = pool_.acquire();
  std::vector<TeamRecord> teams;
  std::map<std::string, size_t> index;
  auto rows = db->query("SELECT name, description, created_ms FROM teams ORDER BY name");
  while (rows->next()) {
    TeamRecord team;
    team.name = columnText(*rows, 1);
    team.description = columnText(*rows, 2);
    team.created_ms = rows->getInt64(3);
    teams.push_back(std::move(team));
    index[teams.back().name] = teams.size() - 1;
  }
  auto members = db->query("SELECT team_name, user_name FROM team_members ORDER BY user_name");
  while (members->next()) {
    auto it = index.find(columnText(*members, 1));
    if (it != index.end()) teams[it->second].members.push_back(columnText(*members, 2));
  }
  return teams;
}

std::optional<TeamRecord> UserStore::findTeam(const std::string& name) {
  auto db = pool_.acquire();
  auto& select = db->prepare("SELECT name, description, created_ms FROM teams WHERE name = ?");
  select.setString(1, name);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  TeamRecord team;
  team.name = columnText(*rows, 1);
  team.description = columnText(*rows, 2);
  team.created_ms = rows->getInt64(3);
  // The primary key (team_name, user_name) serves this.
  auto& members =
      db->prepare("SELECT user_name FROM team_members WHERE team_name = ? ORDER BY user_name");
  members.setString(1, name);
  auto member_rows = runQuery(members);
  while (member_rows->next()) team.members.push_back(columnText(*member_rows, 1));
  return team;
}

bool UserStore::insertTeam(const TeamRecord& team) {
  auto db = pool_.acquire();
  auto& insert = db->prepare("INSERT INTO teams (name, description, created_ms) VALUES (?, ?, ?)");
  insert.setString(1, team.name);
  insert.setString(2, team.description);
  insert.setInt64(3, team.created_ms);
  return executeInsertUnlessDuplicate(insert);
}

bool UserStore::deleteTeam(const std::string& name) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& members = db->prepare("DELETE FROM team_members WHERE team_name = ?");
  members.setString(1, name);
  members.executeUpdate();
  auto& remove = db->prepare("DELETE FROM teams WHERE name = ?");
  remove.setString(1, name);
  const bool deleted = remove.executeUpdate() > 0;
  transaction.commit();
  return deleted;
}

bool UserStore::addMember(const std::string& team, const std::string& user, int64_t now_ms) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT IGNORE INTO team_members (team_name, user_name, added_ms) VALUES (?, ?, ?)");
  insert.setString(1, team);
  insert.setString(2, user);
  insert.setInt64(3, now_ms);
  return insert.executeUpdate() > 0;
}

bool UserStore::removeMember(const std::string& team, const std::string& user) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM team_members WHERE team_name = ? AND user_name = ?");
  remove.setString(1, team);
  remove.setString(2, user);
  return remove.executeUpdate() > 0;
}

}  // namespace mq
