// Security settings shared by the broker and the metaserver (docs/security.md): access
// control (`auth`, `auth-refresh`), the token a metaserver uses for its own calls to
// brokers (`token-file`), the first admin token (`bootstrap-token-file`), and TLS on the
// Thrift port (`tls`, `tls-cert`, `tls-key`, `tls-ca`, `tls-require-client-cert`). Same
// names on the command line and in the config file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/option_table.h"
#include "common/options.h"
#include "common/tls.h"
#include "server/access_control.h"

namespace mq {

struct SecurityConfig {
  // `auth = on`: every request needs a token and a grant. Off by default so that a dev
  // stack and existing clients keep working; production turns it on (docs/security.md).
  bool auth = false;
  // How often tokens and grants are re-read: a revoke takes effect within this.
  int64_t auth_refresh_ms = 2000;
  // File holding the token this daemon sends on its own calls (the metaserver's portal and
  // dead-letter replays through brokers). "" = none.
  std::string token_file;
  std::string token;  // read from token_file
  // Metaserver: when no token has `admin` on the cluster, issue `bootstrap-admin` (team
  // admin) with that grant and write its secret to this file (0600). "" = never.
  std::string bootstrap_token_file;

  // TLS on this daemon's Thrift port (off by default; docs/security.md#tls).
  TlsConfig tls;

  AccessControlOptions accessOptions() const { return {auth, auth_refresh_ms}; }
  // What this daemon uses on its own Thrift calls (the metaserver to brokers and to its own
  // port): TLS when its port has it, trusting tls-ca and presenting its own certificate
  // (for brokers that require client certificates).
  TlsConfig clientTls() const;
};

// The table of the options above (docs/security.md); addSecurityOptions registers it.
const OptionTable<SecurityConfig>& securityOptionTable();
void addSecurityOptions(po::options_description& options);
// Throws std::invalid_argument naming the bad option (never echoing a secret). Reads no TLS
// file: build the server's TlsSocketFactory from `tls` for that (makeTlsFactory).
SecurityConfig readSecurityConfig(const po::variables_map& values);
// The secret in the file at `path`, without trailing white space. Throws
// std::invalid_argument naming `what` and the path (never the content) when the file cannot
// be read or is empty.
std::string readSecretFile(const std::string& what, const std::string& path);
// Writes `text` to a new file at `path` readable by its owner only (0600), never through a
// symlink. Throws std::runtime_error naming `what` and the path.
void writeSecretFile(const std::string& what, const std::string& path, const std::string& text);
// The TLS options of a client daemon or tool (the outbox relay, mq-perf): `tls`, `tls-ca`,
// `tls-cert`, `tls-key`, `tls-server-name`, each name preceded by `prefix` (mq-mirror has
// `source-tls-ca` and `target-tls-ca`, one set per cluster it reaches).
void addClientTlsOptions(po::options_description& options, const std::string& prefix = "");
// Reads them (a CA turns TLS on, as in mqctl) and loads the files once (makeTlsFactory), so
// that a bad one stops start-up.
// Throws std::invalid_argument naming the option (with its prefix), the file and the problem.
TlsConfig readClientTlsConfig(const po::variables_map& values, const std::string& prefix = "");
// The client TLS settings by name, as options and peer-cluster entries spell them: tls,
// tls-ca, tls-cert, tls-key, tls-server-name.
const std::vector<std::string>& clientTlsSettingNames();
// Sets the client TLS setting `name` (one of clientTlsSettingNames()) of `tls` to `value`; a
// CA to trust turns TLS on. Throws std::invalid_argument naming `where + name` for a `tls`
// that is not a switch. Returns false, changing nothing, for another name.
bool setClientTlsSetting(TlsConfig& tls, const std::string& name, const std::string& value,
                         const std::string& where = "");

}  // namespace mq
