// The portal's sign-in sessions (sql/meta/006: user_sessions): every SQL statement on that
// table. Only a SHA-256 of each session token is stored. Methods throw sql::SQLException on
// database errors. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/db_pool.h"

namespace mq {

struct SessionRecord {
  std::string token_hash;  // SHA-256 of the cookie's token, hex
  std::string user_name;
  std::string csrf_token;  // required in X-CSRF-Token on every change
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

class SessionStore {
 public:
  explicit SessionStore(DbPool& pool) : pool_(pool) {}

  void insert(const SessionRecord& session);
  // The session if it exists, has not expired at now_ms and its user still exists (one
  // primary-key read joined with users by primary key).
  std::optional<SessionRecord> findLive(const std::string& token_hash, int64_t now_ms);
  // False when there was no such session.
  bool remove(const std::string& token_hash);
  // Every session of the user (ix_user_sessions_user); returns how many.
  int removeUser(const std::string& user_name);
  // Sessions that expired before now_ms (ix_user_sessions_expires); returns how many.
  int removeExpired(int64_t now_ms);

 private:
  DbPool& pool_;
};

}  // namespace mq
