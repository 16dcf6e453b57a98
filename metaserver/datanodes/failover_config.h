// Configuration of automatic datanode failover (docs/operations.md, "Automatic failover"):
// one struct, every field with its default and meaning, and the options that fill it (part
// of the metaserver's options; docs/metaserver.md lists them).
#pragma once

#include <cstdint>
#include <string>

#include "common/option_table.h"

namespace mq {

struct FailoverConfig {
  // failover-auto: the active metaserver fails a datanode over to its most caught-up replica
  // by itself once its primary failed every check for failover-detection. Off: it only
  // checks, reports (metrics, logs) and fences stale former primaries.
  bool automatic = true;
  // failover-check-interval: time between two health checks of every datanode primary.
  int64_t check_interval_ms = 1000;
  // failover-detection: how long a primary must fail every check before the failover
  // starts. Shorter fails over faster, and also on a shorter hiccup.
  int64_t detection_ms = 6000;
  // failover-timeout: how long one failover may wait for brokers and the replica; after it
  // the datanode stays fenced and the next check tries again.
  int64_t timeout_ms = 30000;
  // failover-lease: lease of the failover watchdog; a standby metaserver takes over this
  // long after the active one died.
  int64_t lease_ms = 5000;
};

// The table of the options above (docs/operations.md).
const OptionTable<FailoverConfig>& failoverOptionTable();

// Registers the options, with the defaults of `config`.
void addFailoverOptions(po::options_description& options, FailoverConfig& config);

// Converts and validates. Returns false with `*problem` naming the option.
bool readFailoverConfig(const po::variables_map& values, FailoverConfig& config,
                        std::string* problem);

}  // namespace mq
