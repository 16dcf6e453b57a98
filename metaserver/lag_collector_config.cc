#include "metaserver/lag_collector_config.h"

#include <fmt/format.h>

namespace mq {
namespace {

// Reads a duration option into `*ms`; false with `*problem` when it is not one in
// [min_ms, max_ms].
bool readDuration(const po::variables_map& values, const char* name, int64_t min_ms, int64_t max_ms,
                  int64_t* ms, std::string* problem) {
  const auto& text = values[name].as<std::string>();
  int64_t parsed = 0;
  if (!parseDurationMs(text, &parsed) || parsed < min_ms || parsed > max_ms) {
    *problem = fmt::format("--{} must be a duration from {} ms to {} ms such as 5s or 1m, got `{}`",
                           name, min_ms, max_ms, text);
    return false;
  }
  *ms = parsed;
  return true;
}

std::string durationText(int64_t ms) {
  return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
}

}  // namespace

void addLagCollectorOptions(po::options_description& options, LagCollectorConfig& config) {
  options.add_options()  //
      ("lag-interval", po::value<std::string>()->default_value(durationText(config.interval_ms)),
       "time between lag collector cycles and alert evaluations")              //
      ("lag-window", po::value(&config.window)->default_value(config.window),  //
       "commits kept per partition for the lag status rules (2..100)")         //
      ("lag-stop-min-idle",
       po::value<std::string>()->default_value(durationText(config.stop_min_idle_ms)),
       "least time without a commit, with lag, before a partition is STOP")  //
      ("lag-lease", po::value<std::string>()->default_value(durationText(config.lease_ms)),
       "lag collector lease; a standby metaserver takes over this long after the active one "
       "died (at least twice lag-interval)")  //
      ("webhook-timeout",
       po::value<std::string>()->default_value(durationText(config.webhook_timeout_ms)),
       "bound on one alert webhook POST")  //
      ("webhook-attempts",
       po::value(&config.webhook_attempts)->default_value(config.webhook_attempts),
       "webhook POSTs per notification before it is dropped (1..20)")  //
      ("webhook-backoff",
       po::value<std::string>()->default_value(durationText(config.webhook_backoff_ms)),
       "wait before the first webhook retry; doubles, at most 60s");
}

bool readLagCollectorConfig(const po::variables_map& values, LagCollectorConfig& config,
                            std::string* problem) {
  constexpr int64_t kHour = 3600 * 1000;
  if (!readDuration(values, "lag-interval", 100, kHour, &config.interval_ms, problem) ||
      !readDuration(values, "lag-stop-min-idle", 0, 24 * kHour, &config.stop_min_idle_ms,
                    problem) ||
      !readDuration(values, "lag-lease", 200, 24 * kHour, &config.lease_ms, problem) ||
      !readDuration(values, "webhook-timeout", 100, 60000, &config.webhook_timeout_ms, problem) ||
      !readDuration(values, "webhook-backoff", 10, 60000, &config.webhook_backoff_ms, problem)) {
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
