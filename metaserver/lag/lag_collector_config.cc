#include "metaserver/lag/lag_collector_config.h"

#include <stdexcept>

namespace mq {

const OptionTable<LagCollectorConfig>& lagCollectorOptionTable() {
  using C = LagCollectorConfig;
  constexpr int64_t kHour = 3600 * 1000;
  static const auto* table =
      &(new OptionTable<C>("lag"))
           ->duration("lag-interval", &C::interval_ms, 100, kHour,
                      "time between lag collector cycles and alert evaluations")
           .number("lag-window", &C::window, 2, 100,
                   "commits kept per partition for the lag status rules")
           .duration("lag-stop-min-idle", &C::stop_min_idle_ms, 0, 24 * kHour,
                     "least time without a commit, with lag, before a partition is STOP")
           .duration("lag-lease", &C::lease_ms, 200, 24 * kHour,
                     "lag collector lease; a standby metaserver takes over this long after the "
                     "active one died (at least twice lag-interval)")
           .duration("webhook-timeout", &C::webhook_timeout_ms, 100, 60000,
                     "bound on one alert webhook POST")
           .number("webhook-attempts", &C::webhook_attempts, 1, 20,
                   "webhook POSTs per notification before it is dropped")
           .duration("webhook-backoff", &C::webhook_backoff_ms, 10, 60000,
                     "wait before the first webhook retry; doubles, at most 60s");
  return *table;
}

void addLagCollectorOptions(po::options_description& options, LagCollectorConfig& config) {
  lagCollectorOptionTable().addTo(options, config);
}

bool readLagCollectorConfig(const po::variables_map& values, LagCollectorConfig& config,
                            std::string* problem) {
  if (!lagCollectorOptionTable().read(values, config, problem)) return false;
  if (config.lease_ms < 2 * config.interval_ms) {
    *problem = "--lag-lease must be at least twice --lag-interval";
    return false;
  }
  return true;
}

}  // namespace mq
