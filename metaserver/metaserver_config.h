// The metaserver's configuration: one struct, every field with its default and meaning, and
// the options that fill it. The same names work on the command line (--port 9100) and in
// the config file given with --config (`port = 9100`); docs/metaserver.md lists them.
#pragma once

#include <cstdint>
#include <string>

#include "common/option_table.h"
#include "metaserver/cluster/peer_cluster_config.h"
#include "metaserver/datanodes/failover_config.h"
#include "metaserver/dead_letters/dead_letter_config.h"
#include "metaserver/lag/lag_collector_config.h"
#include "metaserver/lifecycle/lifecycle_config.h"
#include "metaserver/portal/portal_config.h"
#include "server/security_config.h"

namespace mq {

struct MetaserverConfig {
  // Address the Thrift and HTTP ports bind to.
  std::string host = "127.0.0.1";
  // Thrift port of MetaService (framed binary protocol).
  int port = 9100;
  // HTTP port: /metrics and the JSON API (/api/...).
  int http_port = 9180;
  // Metadata database, mysql://user:pass@host:port/db. Required.
  std::string meta_db;
  // A broker silent for longer than this is not listed and is reaped (option: a duration
  // such as "10s").
  int64_t broker_timeout_ms = 10000;
  // debug, info, warn or error.
  std::string log_level = "info";
  // This cluster's name (1..64 characters from [A-Za-z0-9._-]), served by the clusterName RPC
  // and shown by `mqctl cluster info` and the portal; mirrors put it into provenance headers
  // and checkpoints (docs/multi-cluster.md). Give every cluster its own.
  std::string cluster_name = "local";
  // The lag collector and alert webhooks (lag-*, webhook-* options).
  LagCollectorConfig lag;
  // Retention and the partition lifecycle (retention-*, segment-messages, lifecycle-*,
  // partition-drop-grace, topic-delete-idle options).
  LifecycleConfig lifecycle;
  // The portal: static files, sign-in, sessions (portal-dir, admin-password-file, http-auth,
  // session-ttl options; docs/portal.md).
  PortalConfig portal;
  // Retry and dead-letter topics created for consumer groups (retry-retention,
  // dead-letter-retention options; docs/dead-letters.md).
  DeadLetterConfig dead_letters;
  // Automatic datanode failover (failover-* options; docs/operations.md).
  FailoverConfig failover;
  // The peer clusters and how they are checked (peer-cluster, peer-check-interval;
  // docs/multi-cluster.md).
  PeerClusterConfig peers;
  // Access control, the token of its own calls to brokers, TLS (auth*, token-file, tls*
  // options; docs/security.md).
  SecurityConfig security;
};

// The table of the metaserver's own options (docs/metaserver.md); the wings' options are in
// their tables (lag, lifecycle, portal, failover, peers, security).
const OptionTable<MetaserverConfig>& metaserverOptionTable();

// Registers every option on `options`, with the defaults of `config`.
void addMetaserverOptions(po::options_description& options, MetaserverConfig& config);

// Reads and validates what addMetaserverOptions parsed into `config`. Returns false with `*problem`
// naming the option and what is wrong (never echoing a password).
bool readMetaserverConfig(const po::variables_map& values, MetaserverConfig& config,
                          std::string* problem);

// Parses argv and --config into `config`. Returns true when the program should go on;
// otherwise `*exit_code` is 0 after --help, 2 after a bad option or value (a message naming
// it is on stderr).
bool parseMetaserverConfig(int argc, char** argv, MetaserverConfig& config, int* exit_code);

}  // namespace mq
