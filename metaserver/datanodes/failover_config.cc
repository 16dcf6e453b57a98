#include "metaserver/datanodes/failover_config.h"

namespace mq {

const OptionTable<FailoverConfig>& failoverOptionTable() {
  using C = FailoverConfig;
  constexpr int64_t kHour = 3600 * 1000;
  static const auto* table =
      &(new OptionTable<C>("failover"))
           ->onOff("failover-auto", &C::automatic,
                   "on: fail a datanode over to its most caught-up replica when its primary fails "
                   "every check for failover-detection; off: check and report only")
           .duration("failover-check-interval", &C::check_interval_ms, 100, 60000,
                     "time between health checks of every datanode primary")
           .duration("failover-detection", &C::detection_ms, 500, kHour,
                     "how long a primary must fail every check before failing it over")
           .duration("failover-timeout", &C::timeout_ms, 1000, kHour,
                     "how long one failover may wait for brokers and the replica")
           .duration("failover-lease", &C::lease_ms, 500, kHour,
                     "lease of the failover watchdog; a standby metaserver takes over after it");
  return *table;
}

void addFailoverOptions(po::options_description& options, FailoverConfig& config) {
  failoverOptionTable().addTo(options, config);
}

bool readFailoverConfig(const po::variables_map& values, FailoverConfig& config,
                        std::string* problem) {
  if (!failoverOptionTable().read(values, config, problem)) return false;
  if (config.lease_ms < 2 * config.check_interval_ms) {
    *problem = "--failover-lease must be at least twice --failover-check-interval";
    return false;
  }
  return true;
}

}  // namespace mq
