#include "metaserver/portal_config.h"

#include <fmt/format.h>

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
       "how long a portal sign-in lasts");
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
  if (config.portal_dir.empty()) {
    *problem = "--portal-dir must not be empty";
    return false;
  }
  return true;
}

}  // namespace mq
