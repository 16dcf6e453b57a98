// The portal's configuration (docs/portal.md): where its static files are, how the first
// admin's password is handed over, whether the HTTP API asks for sign-in, and how long a
// session lasts. Part of the metaserver's options; the same names on the command line and
// in the config file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/option_table.h"

namespace mq {

struct PortalConfig {
  // portal-dir: folder of the portal's static files (index.html, *.js, *.css). Default: the
  // source checkout's portal/ (compile definition MQ_PORTAL_DIR).
  std::string portal_dir;
  // admin-password-file: when the metadata database has no admin yet, one named `admin` is
  // created with a generated password, which is logged once and, when this is set, written
  // to this file with mode 0600. Empty: the log only.
  std::string admin_password_file;
  // http-auth: `on` (default): every /api/ request needs a signed-in session and every
  // change a CSRF token. `off`: the API is open and every caller acts as an administrator
  // (only for tests and trusted networks). /metrics and the static files are always open.
  bool http_auth = true;
  // session-ttl: how long a sign-in lasts (1m..30d).
  int64_t session_ttl_ms = 12LL * 3600 * 1000;
  // cookie-secure: whether the session cookie gets the `Secure` flag (browsers then send it
  // over HTTPS only). `auto` (default): when the request came through a trusted proxy that
  // says `X-Forwarded-Proto: https`; `on`: always (the portal is only reached over HTTPS);
  // `off`: never.
  enum class CookieSecure { kAuto, kOn, kOff };
  CookieSecure cookie_secure = CookieSecure::kAuto;
  // trusted-proxies: addresses (IPv4 or IPv6, exact) whose X-Forwarded-Proto is believed.
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
};

// Whether a session cookie set in answer to a request from `remote_address` ("ip:port", as
// HttpRequest has it) with the X-Forwarded-Proto header `forwarded_proto` ("" when absent)
// is marked Secure (see cookie-secure).
bool secureCookie(const PortalConfig& config, const std::string& remote_address,
                  const std::string& forwarded_proto);

// The table of the options above (docs/portal.md).
const OptionTable<PortalConfig>& portalOptionTable();

// Registers the options, with the defaults of `config` (portal-dir: the checkout's portal/).
void addPortalOptions(po::options_description& options, PortalConfig& config);

// Converts and validates. Returns false with `*problem` naming the option.
bool readPortalConfig(const po::variables_map& values, PortalConfig& config, std::string* problem);

}  // namespace mq
