#include "metaserver/lag/lag_collector_config.h"

#include <fmt/format.h>

#include <stdexcept>

#include "common/option_values.h"

namespace mq {

void addLagCollectorOptions(po::options_description& options, LagCollectorConfig& config) {
  options.add_options()  //
      ("lag-interval",
       po::value<std::string>()->default_value(formatDurationMs(config.interval_ms)),
       "time between lag collector cycles and alert evaluations")              //
      ("lag-window", po::value(&config.window)->default_value(config.window),  //
       "commits kept per partition for the lag status rules (2..100)")         //
      ("lag-stop-min-idle",
       po::value<std::string>()->default_value(formatDurationMs(config.stop_min_idle_ms)),
       "least time without a commit, with lag, before a partition is STOP")  //
      ("lag-lease", po::value<std::string>()->default_value(formatDurationMs(config.lease_ms)),
       "lag collector lease; a standby metaserver takes over this long after the active one "
       "died (at least twice lag-interval)")  //
      ("webhook-timeout",
       po::value<std::string>()->default_value(formatDurationMs(config.webhook_timeout_ms)),
       "bound on one alert webhook POST")  //
      ("webhook-attempts",
       po::value(&config.webhook_attempts)->default_value(config.webhook_attempts),
       "webhook POSTs per notification before it is dropped (1..20)")  //
      ("webhook-backoff",
       po::value<std::string>()->default_value(formatDurationMs(config.webhook_backoff_ms)),
       "wait before the first webhook retry; doubles, at most 60s");
}

bool readLagCollectorConfig(const po::variables_map& values, LagCollectorConfig& config,
                            std::string* problem) {
  constexpr int64_t kHour = 3600 * 1000;
  try {
    config.interval_ms = durationOptionMs(values, "lag-interval", config.interval_ms, 100, kHour);
    config.stop_min_idle_ms =
        durationOptionMs(values, "lag-stop-min-idle", config.stop_min_idle_ms, 0, 24 * kHour);
    config.lease_ms = durationOptionMs(values, "lag-lease", config.lease_ms, 200, 24 * kHour);
    config.webhook_timeout_ms =
        durationOptionMs(values, "webhook-timeout", config.webhook_timeout_ms, 100, 60000);
    config.webhook_backoff_ms =
        durationOptionMs(values, "webhook-backoff", config.webhook_backoff_ms, 10, 60000);
  } catch (const std::invalid_argument& e) {
    *problem = e.what();
    return false;
  }
  if (config.window < 2 || config.window > 100) {
    *problem = fmt::format("--lag-window must be 2..100, got {}", config.window);
    return false;
  }
  if (config.lease_ms < 2 * config.interval_ms) {
    *problem = "--lag-lease must be at least twice --lag-interval";
    return false;
  }
  if (config.webhook_attempts < 1 || config.webhook_attempts > 20) {
    *problem = fmt::format("--webhook-attempts must be 1..20, got {}", config.webhook_attempts);
    return false;
  }
  return true;
}

}  // namespace mq
