// The lag collector's and the alert notifier's configuration: one struct, every field with
// its default and meaning, and the options that fill it (part of the metaserver's options;
// docs/lag-and-alerts.md and docs/metaserver.md list them).
#pragma once

#include <cstdint>
#include <string>

#include "common/option_table.h"

namespace mq {

struct LagCollectorConfig {
  // lag-interval: time between collector cycles (and alert evaluations).
  int64_t interval_ms = 5000;
  // lag-window: commits kept per partition for the status rules (2..100).
  int window = 10;
  // lag-stop-min-idle: the least time without a commit, with lag, before a partition is
  // STOP (a window of one commit has a span of 0).
  int64_t stop_min_idle_ms = 60000;
  // lag-lease: how long the collector lease lasts without renewal; another metaserver takes
  // over this long after the active one died. At least twice lag-interval.
  int64_t lease_ms = 30000;
  // webhook-timeout: bound on one webhook POST (connect, send, response).
  int64_t webhook_timeout_ms = 5000;
  // webhook-attempts: POSTs per notification before it is dropped (1..20).
  int webhook_attempts = 6;
  // webhook-backoff: wait before the first retry; doubles each retry, at most 60 s.
  int64_t webhook_backoff_ms = 1000;
};

// The table of the options above (docs/lag-and-alerts.md).
const OptionTable<LagCollectorConfig>& lagCollectorOptionTable();

// Registers the options, with the defaults of `config`.
void addLagCollectorOptions(po::options_description& options, LagCollectorConfig& config);

// Reads and validates into `config`. Returns false with `*problem` naming the option.
bool readLagCollectorConfig(const po::variables_map& values, LagCollectorConfig& config,
                            std::string* problem);

}  // namespace mq
