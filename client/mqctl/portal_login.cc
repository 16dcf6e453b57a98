#include "client/mqctl/portal_login.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace mq::mqctl {
namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

// The first line of `path`, without its line end.
std::string firstLine(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    throw UsageError(fmt::format("cannot read {} from `{}`", what, path));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

PortalLogin loginFrom(const Context& context, const ParsedArgs& args) {
  PortalLogin login;
  login.url = args.value("portal").value_or(envOr("MQ_PORTAL", login.url));
  login.user = args.value("login").value_or(envOr("MQ_PORTAL_USER", login.user));
  if (auto file = args.value("password-file")) {
    login.password = firstLine(*file, "the password");
  } else {
    login.password = envOr("MQ_PORTAL_PASSWORD", "");
  }
  if (login.password.empty()) {
    throw UsageError(
        fmt::format("the portal password of `{}` is needed: give --password-file FILE or set "
                    "MQ_PORTAL_PASSWORD",
                    login.user));
  }
  login.timeout_ms = static_cast<int>(context.timeout_ms);
  return login;
}

std::vector<FlagSpec> withLogin(std::vector<FlagSpec> flags) {
  flags.push_back({"portal", "URL",
                   "the metaserver's HTTP address (default $MQ_PORTAL or http://127.0.0.1:9180)"});
  flags.push_back({"login", "USER", "sign in as USER (default $MQ_PORTAL_USER or admin)"});
  flags.push_back({"password-file", "FILE",
                   "read USER's password from FILE's first line (default: $MQ_PORTAL_PASSWORD)"});
  return flags;
}

}  // namespace mq::mqctl
