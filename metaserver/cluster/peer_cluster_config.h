// The peer clusters a metaserver knows (docs/multi-cluster.md, "Peer clusters"): one
// `peer-cluster` option per peer, `NAME=HOST:PORT` followed by comma-separated settings of how
// to reach it (`token-file=PATH`, `tls=on`, `tls-ca=PATH`, `tls-cert=PATH`, `tls-key=PATH`,
// `tls-server-name=NAME`), and how often they are checked (`peer-check-interval`). Part of
// the metaserver's options; docs/metaserver.md lists them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/options.h"
#include "mq/tls_config.h"

namespace mq {

struct PeerCluster {
  std::string name;        // its cluster-name, which its metaserver must answer with
  std::string metaserver;  // host:port of its metaserver
  std::string token_file;  // "" = no token
  std::string token;       // read from token_file at start-up
  TlsConfig tls;           // how to reach it (off by default)
};

struct PeerClusterConfig {
  std::vector<PeerCluster> peers;     // peer-cluster (repeatable); none by default
  int64_t check_interval_ms = 10000;  // peer-check-interval
};

// Registers the options. REQUIRES: `config` outlives the parse.
void addPeerClusterOptions(po::options_description& options, PeerClusterConfig& config);

// Parses one `peer-cluster` value. Reads the token file and loads the TLS files, so that a bad
// one stops start-up. Throws std::invalid_argument naming the peer, the setting and the
// problem (never a token).
PeerCluster parsePeerCluster(const std::string& text);

// Converts and validates (names unique, none equal to `own_name`). Returns false with
// `*problem` naming the option.
bool readPeerClusterConfig(const po::variables_map& values, const std::string& own_name,
                           PeerClusterConfig& config, std::string* problem);

}  // namespace mq
