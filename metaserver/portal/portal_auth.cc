#include "metaserver/portal/portal_auth.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/clock.h"
#include "common/log.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/password_hash.h"
#include "metaserver/portal/portal_json.h"
#include "server/security_config.h"

namespace mq {
namespace {

constexpr int kMaxFailures = 5;
constexpr int64_t kFailureWindowMs = 5 * 60 * 1000;
constexpr size_t kMaxTrackedNames = 10000;
constexpr size_t kTokenBytes = 32;  // 256 bits

bool isChange(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool startsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool sameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool secureCookieFor(const PortalConfig& config, const HttpRequest& request) {
  return secureCookie(config, request.remote_address, request.header("x-forwarded-proto"));
}

}  // namespace

bool Principal::inTeam(const std::string& team) const {
  return !team.empty() && std::find(teams.begin(), teams.end(), team) != teams.end();
}

std::string cookieValue(const std::string& cookie_header, const std::string& name) {
  // "a=1; mq_session=abc; b=2"
  size_t at = 0;
  while (at < cookie_header.size()) {
    size_t end = cookie_header.find(';', at);
    if (end == std::string::npos) end = cookie_header.size();
    std::string_view pair(cookie_header.data() + at, end - at);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
    at = end + 1;
  }
  return "";
}

PortalAuth::PortalAuth(PortalConfig config, UserStore& users, SessionStore& sessions,
                       AuditTrail& audit)
    : config_(std::move(config)),
      users_(users),
      sessions_(sessions),
      audit_(audit),
      dummy_hash_(hashPassword(randomHex(16))) {}

void PortalAuth::ensureFirstAdmin() {
  if (users_.adminCount() > 0) return;
  const std::string password = generatePassword();
  UserRecord admin;
  admin.name = kFirstAdminName;
  admin.password_hash = hashPassword(password);
  admin.admin = true;
  admin.created_ms = admin.password_ms = nowMs();
  AuditTrail::Change change(audit_);
  if (!users_.insertFirstAdmin(admin)) {
    if (users_.adminCount() == 0) {
      logWarn(
          "no portal admin exists and the name `admin` is taken by a user who is not one; "
          "no first admin was created");
    }
    return;  // another metaserver created it
  }
  audit_.record("metaserver", "user.create", admin.name, "",
                R"({"name":"admin","admin":true,"teams":[],"first_admin":true})");
  change.commit();
  // Logged once, as asked of the first start; change it in the portal (Account).
  auto line = logInfo("created the first portal admin");
  line.kv("user", admin.name).kv("password", password);
  if (!config_.admin_password_file.empty()) {
    writeSecretFile("the admin password", config_.admin_password_file, password + "\n");
    line.kv("password_file", config_.admin_password_file);
  }
}

std::optional<HttpResponse> PortalAuth::filter(HttpRequest& request) {
  if (!startsWith(request.path, "/api/") && request.path != "/api") return std::nullopt;
  if (!enabled()) return std::nullopt;
  const bool change = isChange(request.method);
  if (change) {
    // A page on another site may send a simple POST, but not with this Origin.
    const std::string origin = request.header("origin");
    const std::string host = request.header("host");
    if (!origin.empty() && origin != "http://" + host && origin != "https://" + host) {
      return apiErrorResponse(403, "cross_origin",
                              fmt::format("requests from origin `{}` are refused", origin));
    }
    // Forms can send text/plain or urlencoded bodies across sites without a preflight, not
    // JSON.
    if (!request.body.empty() && !startsWith(request.header("content-type"), "application/json")) {
      return apiErrorResponse(415, "unsupported_media_type",
                              "send the request body as Content-Type: application/json");
    }
  }
  if (request.path == "/api/login") return std::nullopt;
  auto current = session(request);
  if (!current) {
    return apiErrorResponse(401, "unauthenticated", "sign in first (POST /api/login)");
  }
  if (change) {
    const std::string token = request.header("x-csrf-token");
    if (token.empty()) {
      return apiErrorResponse(403, "csrf_token_missing",
                              "changes need the X-CSRF-Token header (csrf_token of GET /api/me)");
    }
    if (!sameSecret(token, current->csrf_token)) {
      return apiErrorResponse(403, "csrf_token_invalid",
                              "the X-CSRF-Token header does not match this session");
    }
  }
  request.principal = "user:" + current->user_name;
  return std::nullopt;
}

Principal PortalAuth::principal(const HttpRequest& request) {
  Principal who;
  if (!enabled()) {
    who.admin = true;
    who.actor = "http:" + request.remote_address;
    return who;
  }
  if (!startsWith(request.principal, "user:")) {
    throw ApiError(401, "unauthenticated", "sign in first (POST /api/login)");
  }
  auto user = users_.findUser(request.principal.substr(5));
  if (!user) throw ApiError(401, "unauthenticated", "this user no longer exists; sign in again");
  who.user = user->name;
  who.admin = user->admin;
  who.teams = user->teams;
  who.actor = request.principal;
  return who;
}

void PortalAuth::requireChange(const Principal& who, const std::string& owner_team,
                               const std::string& what) {
  if (who.mayChange(owner_team)) return;
  throw ApiError(403, "forbidden",
                 owner_team.empty()
                     ? fmt::format("{} belongs to no team: only admins may change it", what)
                     : fmt::format("{} belongs to team `{}`: only its members and admins may "
                                   "change it",
                                   what, owner_team));
}

void PortalAuth::requireAdmin(const Principal& who, const std::string& what) {
  if (!who.admin) throw ApiError(403, "forbidden", "only admins may " + what);
}

bool PortalAuth::lockedOut(const std::string& user, int64_t now_ms, int64_t* retry_after_ms) {
  std::lock_guard<std::mutex> lock(failures_mutex_);
  auto it = failures_.find(user);
  if (it == failures_.end()) return false;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now_ms - kFailureWindowMs) times.pop_front();
  if (times.empty()) {
    failures_.erase(it);
    return false;
  }
  if (static_cast<int>(times.size()) < kMaxFailures) return false;
  *retry_after_ms = times.front() + kFailureWindowMs - now_ms;
  return true;
}

void PortalAuth::recordFailure(const std::string& user, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(failures_mutex_);
  if (failures_.size() >= kMaxTrackedNames && !failures_.count(user)) {
    // Drop names whose failures are all old; a flood of new names cannot grow this forever.
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = it->second.back() <= now_ms - kFailureWindowMs ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= kMaxTrackedNames) failures_.erase(failures_.begin());
  }
  failures_[user].push_back(now_ms);
}

PortalAuth::SignIn PortalAuth::login(const std::string& name, const std::string& password,
                                     const std::string& remote) {
  const int64_t now = nowMs();
  int64_t retry_after_ms = 0;
  if (lockedOut(name, now, &retry_after_ms)) {
    logInfo("portal sign-in locked out").kv("user", name).kv("remote", remote);
    throw ApiError(429, "too_many_attempts",
                   fmt::format("too many failed sign-ins for `{}`; try again in {} s", name,
                               (retry_after_ms + 999) / 1000));
  }
  auto user = users_.findUser(name);
  const bool ok = verifyPassword(password, user ? user->password_hash : dummy_hash_) && user;
  if (!ok) {
    recordFailure(name, now);
    logInfo("portal sign-in refused").kv("user", name).kv("remote", remote);
    throw ApiError(401, "invalid_credentials", "wrong user name or password");
  }
  sessions_.removeExpired(now);
  SignIn result;
  result.token = randomHex(kTokenBytes);
  result.session.token_hash = sha256Hex(result.token);
  result.session.user_name = user->name;
  result.session.csrf_token = randomHex(kTokenBytes);
  result.session.created_ms = now;
  result.session.expires_ms = now + config_.session_ttl_ms;
  AuditTrail::Change change(audit_);
  sessions_.insert(result.session);
  result.user = std::move(*user);
  {
    std::lock_guard<std::mutex> lock(failures_mutex_);
    failures_.erase(name);
  }
  JsonWriter after;
  after.beginObject().field("remote", remote).field("expires_ms", result.session.expires_ms).end();
  audit_.record("user:" + result.user.name, "session.login", result.user.name, "", after.str());
  change.commit();
  logInfo("portal sign-in").kv("user", result.user.name).kv("remote", remote);
  return result;
}

void PortalAuth::logout(const HttpRequest& request) {
  const std::string token = cookieValue(request.header("cookie"), kSessionCookie);
  if (token.empty()) return;
  AuditTrail::Change change(audit_);
  if (sessions_.remove(sha256Hex(token)) && !request.principal.empty()) {
    audit_.record(request.principal, "session.logout", request.principal.substr(5), "", "");
  }
  change.commit();
}

std::optional<SessionRecord> PortalAuth::session(const HttpRequest& request) {
  const std::string token = cookieValue(request.header("cookie"), kSessionCookie);
  // Our tokens are 64 hex digits; anything else is not worth a database read.
  if (token.size() != 2 * kTokenBytes ||
      token.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  return sessions_.findLive(sha256Hex(token), nowMs());
}

std::string PortalAuth::sessionCookie(const std::string& token, const HttpRequest& request) const {
  const bool secure = secureCookieFor(config_, request);
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie,
                     token, config_.session_ttl_ms / 1000, secure ? "; Secure" : "");
}

std::string PortalAuth::expiredCookie(const HttpRequest& request) const {
  const bool secure = secureCookieFor(config_, request);
  return fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", kSessionCookie,
                     secure ? "; Secure" : "");
}

std::string PortalAuth::hashNewPassword(const std::string& password, const std::string& field) {
  if (password.size() < 12 || password.size() > 256) {
    throwBadField(field, "a password must have 12 to 256 characters");
  }
  return hashPassword(password);
}

}  // namespace mq
