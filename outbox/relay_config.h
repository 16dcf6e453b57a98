// mq-outbox-relay's configuration: one struct, every option with its default and meaning.
// The same names work on the command line (--batch-size 500) and in the config file
// (batch-size = 500); docs/outbox.md lists them.
#pragma once

#include <cstdint>
#include <string>

#include "common/option_table.h"
#include "mq/outbox.h"

namespace mq {

struct RelayDaemonConfig {
  OutboxRelayConfig relay;         // name, app-db, table, batch and retry settings, brokers
  std::string host = "127.0.0.1";  // address of the /metrics endpoint
  int metrics_port = 9380;         // HTTP port of /metrics
  std::string log_level = "info";  // debug | info | warn | error
  std::string token_file;          // read into relay.client.token

  // The table of the options above but the client TLS ones (outbox/relay_config.cc):
  // names, fields, defaults, ranges and the sentence --help and docs/outbox.md show.
  static const OptionTable<RelayDaemonConfig>& optionTable();

  // Registers every option (names with dashes, e.g. --poll-interval).
  static void addOptions(po::options_description& options);
  // Reads the parsed values; throws std::invalid_argument naming a bad value.
  static RelayDaemonConfig fromValues(const po::variables_map& values);
};

}  // namespace mq
