#include "metaserver/portal/portal_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace mq {
namespace {

#ifdef MQ_PORTAL_DIR
constexpr const char* kDefaultPortalDir = MQ_PORTAL_DIR;
#else
constexpr const char* kDefaultPortalDir = "portal";
#endif

}  // namespace

void addPortalOptions(po::options_description& options, PortalConfig& config) {
  if (config.portal_dir.empty()) config.portal_dir = kDefaultPortalDir;
  options.add_options()                                                                      //
      ("portal-dir", po::value(&config.portal_dir)->default_value(config.portal_dir),        //
       "folder of the portal's static files")                                                //
      ("admin-password-file", po::value(&config.admin_password_file),                        //
       "when no admin exists, write the generated password of the first admin here (0600)")  //
      ("http-auth", po::value<std::string>()->default_value(config.http_auth ? "on" : "off"),
       "on: /api/ needs a signed-in session and a CSRF token on changes; off: open API "
       "(tests only)")  //
      ("session-ttl", po::value<std::string>()->default_value("12h"),
       "how long a portal sign-in lasts")  //
      ("cookie-secure", po::value<std::string>()->default_value("auto"),
       "Secure flag on the session cookie: auto (when a trusted proxy says X-Forwarded-Proto: "
       "https), on, off")  //
      ("trusted-proxies", po::value<std::string>()->default_value("127.0.0.1,::1"),
       "comma-separated addresses whose X-Forwarded-Proto header is believed (\"\" = none)");
}

bool readPortalConfig(const po::variables_map& values, PortalConfig& config, std::string* problem) {
  const auto& auth = values["http-auth"].as<std::string>();
  if (auth != "on" && auth != "off") {
    *problem = fmt::format("--http-auth must be on or off, got `{}`", auth);
    return false;
  }
  config.http_auth = auth == "on";
  const auto& ttl = values["session-ttl"].as<std::string>();
  int64_t ttl_ms = 0;
  constexpr int64_t kMinute = 60 * 1000;
  if (!parseDurationMs(ttl, &ttl_ms) || ttl_ms < kMinute || ttl_ms > 30 * 24 * 60 * kMinute) {
    *problem = fmt::format("--session-ttl must be a duration from 1m to 30d, got `{}`", ttl);
    return false;
  }
  config.session_ttl_ms = ttl_ms;
  const auto& secure = values["cookie-secure"].as<std::string>();
  if (secure == "auto") {
    config.cookie_secure = PortalConfig::CookieSecure::kAuto;
  } else if (secure == "on") {
    config.cookie_secure = PortalConfig::CookieSecure::kOn;
  } else if (secure == "off") {
    config.cookie_secure = PortalConfig::CookieSecure::kOff;
  } else {
    *problem = fmt::format("--cookie-secure must be auto, on or off, got `{}`", secure);
    return false;
  }
  config.trusted_proxies.clear();
  std::stringstream proxies(values["trusted-proxies"].as<std::string>());
  std::string proxy;
  while (std::getline(proxies, proxy, ',')) {
    proxy.erase(
        std::remove_if(proxy.begin(), proxy.end(), [](unsigned char c) { return std::isspace(c); }),
        proxy.end());
    if (proxy.empty()) continue;
    if (proxy.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos) {
      *problem = fmt::format("--trusted-proxies takes IP addresses, got `{}`", proxy);
      return false;
    }
    config.trusted_proxies.push_back(proxy);
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
