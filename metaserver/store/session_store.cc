#include "metaserver/store/session_store.h"

namespace mq {

void SessionStore::insert(const SessionRecord& session) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT INTO user_sessions (token_hash, user_name, csrf_token, created_ms, expires_ms) "
      "VALUES (?, ?, ?, ?, ?)");
  insert.setString(1, session.token_hash);
  insert.setString(2, session.user_name);
  insert.setString(3, session.csrf_token);
  insert.setInt64(4, session.created_ms);
  insert.setInt64(5, session.expires_ms);
  insert.executeUpdate();
}

std::optional<SessionRecord> SessionStore::findLive(const std::string& token_hash, int64_t now_ms) {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      "SELECT s.token_hash, s.user_name, s.csrf_token, s.created_ms, s.expires_ms "
      "FROM user_sessions s JOIN users u ON u.name = s.user_name "
      "WHERE s.token_hash = ? AND s.expires_ms > ?");
  select.setString(1, token_hash);
  select.setInt64(2, now_ms);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return std::nullopt;
  SessionRecord session;
  session.token_hash = std::string(rows->getString(1));
  session.user_name = std::string(rows->getString(2));
  session.csrf_token = std::string(rows->getString(3));
  session.created_ms = rows->getInt64(4);
  session.expires_ms = rows->getInt64(5);
  return session;
}

bool SessionStore::remove(const std::string& token_hash) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM user_sessions WHERE token_hash = ?");
  remove.setString(1, token_hash);
  return remove.executeUpdate() > 0;
}

int SessionStore::removeUser(const std::string& user_name) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM user_sessions WHERE user_name = ?");
  remove.setString(1, user_name);
  return remove.executeUpdate();
}

int SessionStore::removeExpired(int64_t now_ms) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM user_sessions WHERE expires_ms <= ?");
  remove.setInt64(1, now_ms);
  return remove.executeUpdate();
}

}  // namespace mq
