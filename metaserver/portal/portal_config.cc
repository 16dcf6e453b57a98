#include "metaserver/portal/portal_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mq {
namespace {

#ifdef MQ_PORTAL_DIR
constexpr const char* kDefaultPortalDir = MQ_PORTAL_DIR;
#else
constexpr const char* kDefaultPortalDir = "portal";
#endif

}  // namespace

const OptionTable<PortalConfig>& portalOptionTable() {
  using C = PortalConfig;
  using Secure = PortalConfig::CookieSecure;
  constexpr int64_t kMinute = 60 * 1000;
  static const auto* table =
      &(new OptionTable<C>("portal"))
           ->text("portal-dir", &C::portal_dir, "folder of the portal's static files")
           .derivedDefault("portal/ of the checkout")
           .text("admin-password-file", &C::admin_password_file,
                 "when no admin exists, write the generated password of the first admin here "
                 "(0600)")
           .onOff("http-auth", &C::http_auth,
                  "on: /api/ needs a signed-in session and a CSRF token on changes; off: open "
                  "API (tests only)")
           .duration("session-ttl", &C::session_ttl_ms, kMinute, 30 * 24 * 60 * kMinute,
                     "how long a portal sign-in lasts")
           .choice("cookie-secure", &C::cookie_secure,
                   std::vector<std::pair<std::string, Secure>>{
                       {"auto", Secure::kAuto}, {"on", Secure::kOn}, {"off", Secure::kOff}},
                   "Secure flag on the session cookie; auto: when a trusted proxy says "
                   "X-Forwarded-Proto: https")
           .list("trusted-proxies", &C::trusted_proxies,
                 "comma-separated addresses whose X-Forwarded-Proto header is believed (\"\": "
                 "none)");
  return *table;
}

void addPortalOptions(po::options_description& options, PortalConfig& config) {
  if (config.portal_dir.empty()) config.portal_dir = kDefaultPortalDir;
  portalOptionTable().addTo(options, config);
}

bool readPortalConfig(const po::variables_map& values, PortalConfig& config, std::string* problem) {
  if (!portalOptionTable().read(values, config, problem)) return false;
  for (const auto& proxy : config.trusted_proxies) {
    if (proxy.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos) {
      *problem = fmt::format("--trusted-proxies takes IP addresses, got `{}`", proxy);
      return false;
    }
  }
  if (config.portal_dir.empty()) {
    *problem = "--portal-dir must not be empty";
    return false;
  }
  return true;
}

bool secureCookie(const PortalConfig& config, const std::string& remote_address,
                  const std::string& forwarded_proto) {
  switch (config.cookie_secure) {
    case PortalConfig::CookieSecure::kOn:
      return true;
    case PortalConfig::CookieSecure::kOff:
      return false;
    case PortalConfig::CookieSecure::kAuto:
      break;
  }
  std::string proto = forwarded_proto;
  // A chain of proxies appends: "https, http"; the first is what the client used.
  proto = proto.substr(0, proto.find(','));
  proto.erase(
      std::remove_if(proto.begin(), proto.end(), [](unsigned char c) { return std::isspace(c); }),
      proto.end());
  for (auto& c : proto) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (proto != "https") return false;
  // "127.0.0.1:5000", "::1:5000" (the server writes IPv6 without brackets): the address is
  // everything before the last colon.
  const std::string address = remote_address.substr(0, remote_address.rfind(':'));
  return std::find(config.trusted_proxies.begin(), config.trusted_proxies.end(), address) !=
         config.trusted_proxies.end();
}

}  // namespace mq
