#include "server/security_config.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mq {
std::string readSecretFile(const std::string& what, const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::invalid_argument(what + ": cannot read `" + path + "`");
  std::stringstream text;
  text << file.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() &&
         (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) {
    secret.pop_back();
  }
  if (secret.empty()) throw std::invalid_argument(what + ": `" + path + "` is empty");
  return secret;
}

void writeSecretFile(const std::string& what, const std::string& path, const std::string& text) {
  // O_NOFOLLOW: never write the secret through a symlink someone planted there.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error(
        fmt::format("cannot write {} to {}: {}", what, path, std::strerror(errno)));
  }
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    throw std::runtime_error(
        fmt::format("cannot write {} to {}: {}", what, path, std::strerror(saved)));
  }
}

const OptionTable<SecurityConfig>& securityOptionTable() {
  static const auto* table =
      &(new OptionTable<SecurityConfig>("security"))
           ->onOff("auth", &SecurityConfig::auth,
                   "on: every request needs an access token and a grant (docs/security.md)")
           .duration("auth-refresh", &SecurityConfig::auth_refresh_ms, 100, 60000,
                     "how often tokens and grants are re-read; a revoke takes effect within this")
           .text("token-file", &SecurityConfig::token_file,
                 "file with the access token this daemon sends on its own calls to brokers")
           .text("bootstrap-token-file", &SecurityConfig::bootstrap_token_file,
                 "metaserver: when no token is a cluster admin, issue one and write its secret "
                 "here")
           .onOff(
               "tls", [](auto& c) -> auto& { return c.tls.enabled; },
               "on: the Thrift port speaks TLS only (docs/security.md#tls)")
           .text(
               "tls-cert", [](auto& c) -> auto& { return c.tls.cert_file; },
               "PEM certificate (and chain) of the Thrift port; required with tls on")
           .text(
               "tls-key", [](auto& c) -> auto& { return c.tls.key_file; },
               "PEM private key of tls-cert (unencrypted, mode 0600)")
           .text(
               "tls-ca", [](auto& c) -> auto& { return c.tls.ca_file; },
               "PEM CA certificates: which client certificates to accept, and which servers "
               "this daemon's own calls trust")
           .onOff(
               "tls-require-client-cert",
               [](auto& c) -> auto& { return c.tls.require_client_cert; },
               "on: refuse clients without a certificate signed by tls-ca (mutual TLS)");
  return *table;
}

void addSecurityOptions(po::options_description& options) { securityOptionTable().addTo(options); }

void addClientTlsOptions(po::options_description& options, const std::string& prefix) {
  const std::string what = prefix.empty() ? "brokers and the metaserver"
                                          : "the " + prefix.substr(0, prefix.size() - 1) +
                                                " cluster's brokers and metaserver";
  options.add_options()                                                           //
      ((prefix + "tls").c_str(), po::value<std::string>()->default_value("off"),  //
       ("on: connect to " + what + " with TLS (docs/security.md#tls)").c_str())   //
      ((prefix + "tls-ca").c_str(), po::value<std::string>(),                     //
       "PEM CA that signed the servers' certificates; turns tls on (default: the system's "
       "trust store)")                                                  //
      ((prefix + "tls-cert").c_str(), po::value<std::string>(),         //
       "PEM client certificate, for servers that require one")          //
      ((prefix + "tls-key").c_str(), po::value<std::string>(),          //
       ("PEM private key of " + prefix + "tls-cert").c_str())           //
      ((prefix + "tls-server-name").c_str(), po::value<std::string>(),  //
       "name the servers' certificates carry, when not the host connected to");
}

const std::vector<std::string>& clientTlsSettingNames() {
  static const std::vector<std::string> names = {"tls", "tls-ca", "tls-cert", "tls-key",
                                                 "tls-server-name"};
  return names;
}

bool setClientTlsSetting(TlsConfig& tls, const std::string& name, const std::string& value,
                         const std::string& where) {
  if (name == "tls") {
    tls.enabled = parseSwitch(where + name, value);
  } else if (name == "tls-ca") {
    tls.ca_file = value;
    tls.enabled = true;  // as in mqctl: a CA to trust means TLS
  } else if (name == "tls-cert") {
    tls.cert_file = value;
  } else if (name == "tls-key") {
    tls.key_file = value;
  } else if (name == "tls-server-name") {
    tls.server_name = value;
  } else {
    return false;
  }
  return true;
}

TlsConfig readClientTlsConfig(const po::variables_map& values, const std::string& prefix) {
  TlsConfig tls;
  for (const auto& name : clientTlsSettingNames()) {
    if (values.count(prefix + name)) {
      setClientTlsSetting(tls, name, values[prefix + name].as<std::string>(), prefix);
    }
  }
  makeTlsFactory(tls, TlsSide::kClient, TlsNaming(TlsNaming::kOptions, prefix));
  return tls;
}

TlsConfig SecurityConfig::clientTls() const {
  TlsConfig client;
  client.enabled = tls.enabled;
  client.ca_file = tls.ca_file;
  client.cert_file = tls.cert_file;
  client.key_file = tls.key_file;
  return client;
}

SecurityConfig readSecurityConfig(const po::variables_map& values) {
  SecurityConfig c;
  securityOptionTable().read(values, c);
  if (!c.token_file.empty()) c.token = readSecretFile("--token-file", c.token_file);
  checkTlsConfig(c.tls, TlsSide::kServer);
  return c;
}

}  // namespace mq
