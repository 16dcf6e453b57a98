// mq-mirror's configuration: one struct, every option with its default and meaning. The same
// names work on the command line (--topics orders) and in the config file given with
// --config (topics = orders); docs/multi-cluster.md lists them.
//
// The peer clusters are named here, not in the metaserver: a mirror knows its source and its
// target (metaserver address, token, TLS), and checks their names against what their metaservers
// say (clusterName), so a mirror pointed at the wrong cluster refuses to start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/option_table.h"
#include "mq/client.h"

namespace mq::mirror {

struct MirrorConfig {
  client::ClientConfig source;  // --source-metaserver, --source-token-file, --source-tls*
  client::ClientConfig target;  // --target-metaserver, --target-token-file, --target-tls*
  // Expected cluster names ("" = accept what the metaserver says). Must differ.
  std::string source_cluster;
  std::string target_cluster;
  std::vector<std::string> topics;          // exact topic names to copy
  std::vector<std::string> topic_prefixes;  // and every topic starting with one of these
  // The mirrors' consumer group on the source: processes with the same group share the
  // partitions. Default: mq-mirror.<source>.<target> once the names are known.
  std::string group;
  // Source groups whose offsets are translated (exact names; "*" = every group but the
  // mirror's own). Empty: no checkpoints.
  std::vector<std::string> checkpoint_groups = {"*"};
  int64_t checkpoint_interval_ms = 5000;  // how often checkpoints are written
  int64_t topic_refresh_ms = 10000;       // how often new matching topics are looked for
  // Where a partition starts when the target holds no copy of it yet: earliest or latest.
  client::OffsetReset start_from = client::OffsetReset::kEarliest;
  int64_t session_timeout_ms = 10000;  // of the mirror's source group membership
  std::string host = "127.0.0.1";      // address of /metrics
  int metrics_port = 9480;             // HTTP port of /metrics
  std::string log_level = "info";
  std::string source_token_file;  // read into source.token
  std::string target_token_file;  // read into target.token

  // The table of the options above but the TLS ones (mirror/mirror_config.cc): names,
  // defaults, ranges and the sentence --help and docs/multi-cluster.md show.
  static const OptionTable<MirrorConfig>& optionTable();

  // Registers every option (names with dashes).
  static void addOptions(po::options_description& options);
  // Reads the parsed values; throws std::invalid_argument naming a bad value.
  static MirrorConfig fromValues(const po::variables_map& values);
};

}  // namespace mq::mirror
