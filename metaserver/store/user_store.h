// The portal's users and teams (sql/meta/006: users, teams, team_members): every SQL
// statement on those tables. Passwords arrive already hashed (metaserver/portal/password_hash.h);
// this layer never sees a plain password. Methods throw sql::SQLException on database
// errors. Thread-safe (each call leases its own connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

struct UserRecord {
  std::string name;
  std::string password_hash;  // never returned by the API or logged
  bool admin = false;
  int64_t created_ms = 0;
  int64_t password_ms = 0;         // when the password was last set
  std::vector<std::string> teams;  // sorted
};

struct TeamRecord {
  std::string name;
  std::string description;
  int64_t created_ms = 0;
  std::vector<std::string> members;  // sorted
};

class UserStore {
 public:
  explicit UserStore(DbPool& pool) : pool_(pool) {}

  // --- Users ---
  // The user with their teams (two primary-key / index reads), or nullopt.
  std::optional<UserRecord> findUser(const std::string& name);
  // Every user with their teams, by name.
  std::vector<UserRecord> listUsers();
  // Inserts the user and their memberships in one transaction. Returns false, changing
  // nothing, when the name is taken. REQUIRES: every team in user.teams exists.
  bool insertUser(const UserRecord& user);
  // Inserts `user` as an admin unless some admin exists already. Returns whether it did.
  // Safe when several metaservers start at once: exactly one insert wins.
  bool insertFirstAdmin(const UserRecord& user);
  // Deletes the user and their memberships. False when there was no such user.
  bool deleteUser(const std::string& name);
  // False when there is no such user.
  bool setPassword(const std::string& name, const std::string& password_hash, int64_t now_ms);
  // Number of admins (the last one may not be deleted).
  int adminCount();

  // --- Teams ---
  std::vector<TeamRecord> listTeams();
  std::optional<TeamRecord> findTeam(const std::string& name);
  // False, changing nothing, when the name is taken.
  bool insertTeam(const TeamRecord& team);
  // Deletes the team and its memberships. False when there was no such team.
  bool deleteTeam(const std::string& name);
  // False when the user already is a member. REQUIRES: the team and the user exist.
  bool addMember(const std::string& team, const std::string& user, int64_t now_ms);
  // False when the user was not a member.
  bool removeMember(const std::string& team, const std::string& user);

 private:
  DbPool& pool_;
};

}  // namespace mq
