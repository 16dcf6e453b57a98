#include "metaserver/datanodes/failover_config.h"

#include <fmt/format.h>

#include <stdexcept>

#include "common/option_values.h"

namespace mq {

void addFailoverOptions(po::options_description& options, FailoverConfig& config) {
  auto duration = [](int64_t ms) {
    return po::value<std::string>()->default_value(formatDurationMs(ms));
  };
  options.add_options()  //
      ("failover-auto", po::value<std::string>()->default_value(config.automatic ? "on" : "off"),
       "on: fail a datanode over to its most caught-up replica when its primary fails every "
       "check for failover-detection; off: check and report only")         //
      ("failover-check-interval", duration(config.check_interval_ms),      //
       "time between health checks of every datanode primary")             //
      ("failover-detection", duration(config.detection_ms),                //
       "how long a primary must fail every check before failing it over")  //
      ("failover-timeout", duration(config.timeout_ms),                    //
       "how long one failover may wait for brokers and the replica")       //
      ("failover-lease", duration(config.lease_ms),                        //
       "lease of the failover watchdog; a standby metaserver takes over after it");
}

bool readFailoverConfig(const po::variables_map& values, FailoverConfig& config,
                        std::string* problem) {
  const auto& automatic = values["failover-auto"].as<std::string>();
  if (automatic != "on" && automatic != "off") {
    *problem = fmt::format("--failover-auto must be on or off, got `{}`", automatic);
    return false;
  }
  config.automatic = automatic == "on";
  constexpr int64_t kHour = 3600 * 1000;
  try {
    config.check_interval_ms =
        durationOptionMs(values, "failover-check-interval", config.check_interval_ms, 100, 60000);
    config.detection_ms =
        durationOptionMs(values, "failover-detection", config.detection_ms, 500, kHour);
    config.timeout_ms =
        durationOptionMs(values, "failover-timeout", config.timeout_ms, 1000, kHour);
    config.lease_ms = durationOptionMs(values, "failover-lease", config.lease_ms, 500, kHour);
  } catch (const std::invalid_argument& e) {
    *problem = e.what();
    return false;
  }
  if (config.lease_ms < 2 * config.check_interval_ms) {
    *problem = "--failover-lease must be at least twice --failover-check-interval";
    return false;
  }
  return true;
}

}  // namespace mq
