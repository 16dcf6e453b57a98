// Sign-in for the portal and its JSON API (docs/portal.md#security):
//
// - Passwords are PBKDF2-HMAC-SHA256 hashes (password_hash.h). A wrong user name and a wrong
//   password get the same answer after the same work; five failures for one name within
//   five minutes lock that name out for the rest of the five minutes (429).
// - A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie (`mq_session`),
//   Secure as cookie-secure says; the database keeps only its SHA-256. Sessions expire after
//   session-ttl.
// - Every change (POST, PUT, PATCH, DELETE under /api/) needs the session's CSRF token in
//   the X-CSRF-Token header, a JSON body when it has one, and no foreign Origin.
// - The first start creates the admin `admin` with a generated password (logged once and
//   written to admin-password-file).
//
// The filter runs before every route: static files and /metrics pass; /api/login passes
// without a session; every other /api/ request needs one, and gets request.principal set
// to "user:<name>" (the audit log's actor). With http-auth off it lets everything through
// and handlers act as an anonymous administrator. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "metaserver/portal/portal_config.h"
#include "metaserver/store/session_store.h"
#include "metaserver/store/user_store.h"
#include "server/http_server.h"

namespace mq {

inline constexpr const char* kSessionCookie = "mq_session";
inline constexpr const char* kFirstAdminName = "admin";

// Who makes a request, and what they may change.
struct Principal {
  std::string user;  // "" when http-auth is off
  bool admin = false;
  std::vector<std::string> teams;
  std::string actor;  // the audit log's actor: "user:alice" (or "http:<address>")

  bool inTeam(const std::string& team) const;
  // Admins change everything; team members change what their team owns; nobody but admins
  // changes what no team owns.
  bool mayChange(const std::string& owner_team) const { return admin || inTeam(owner_team); }
};

class PortalAuth {
 public:
  PortalAuth(PortalConfig config, UserStore& users, SessionStore& sessions, AuditTrail& audit);

  bool enabled() const { return config_.http_auth; }

  // When no admin exists: creates `admin` with a generated password, logs the password once
  // and writes it to admin-password-file (mode 0600). Throws std::runtime_error when the
  // file cannot be written, sql::SQLException on database errors.
  void ensureFirstAdmin();

  // The HTTP filter (see above). Answers 401 unauthenticated, 403 csrf_token_missing /
  // csrf_token_invalid / cross_origin, 415 unsupported_media_type.
  std::optional<HttpResponse> filter(HttpRequest& request);

  // The caller of a request the filter let through. Throws ApiError 401 when the session's
  // user no longer exists.
  Principal principal(const HttpRequest& request);
  // Throw ApiError 403 naming `what` unless the caller may change it / is an admin.
  static void requireChange(const Principal& who, const std::string& owner_team,
                            const std::string& what);
  static void requireAdmin(const Principal& who, const std::string& what);

  struct SignIn {
    std::string token;  // for the cookie; never stored
    SessionRecord session;
    UserRecord user;
  };
  // Checks the password and opens a session. Throws ApiError 401 invalid_credentials (the
  // same for an unknown user), 429 too_many_attempts with Retry-After seconds in the message.
  SignIn login(const std::string& user, const std::string& password, const std::string& remote);
  // Ends the request's session (if any).
  void logout(const HttpRequest& request);
  // The request's live session, from its cookie.
  std::optional<SessionRecord> session(const HttpRequest& request);

  // Set-Cookie values in answer to `request`: the session cookie, and one that deletes it;
  // both Secure when cookie-secure says so for this request (secureCookie()).
  std::string sessionCookie(const std::string& token, const HttpRequest& request) const;
  std::string expiredCookie(const HttpRequest& request) const;

  // Hashes `password` after checking it is acceptable (12..256 characters). Throws ApiError
  // 400 about `field`.
  static std::string hashNewPassword(const std::string& password, const std::string& field);

 private:
  // Failed sign-ins per user name, for the lock-out.
  bool lockedOut(const std::string& user, int64_t now_ms, int64_t* retry_after_ms);
  void recordFailure(const std::string& user, int64_t now_ms);

  const PortalConfig config_;
  UserStore& users_;
  SessionStore& sessions_;
  AuditTrail& audit_;
  // Verifying against this keeps an unknown name as slow as a wrong password.
  const std::string dummy_hash_;
  std::mutex failures_mutex_;
  std::map<std::string, std::deque<int64_t>> failures_;
};

// The value of cookie `name` in a Cookie header, or "".
std::string cookieValue(const std::string& cookie_header, const std::string& name);

}  // namespace mq
