#include "metaserver/cluster/broker_reaper.h"

#include <algorithm>
#include <limits>

#include "common/clock.h"
#include "common/log.h"

namespace mq {
namespace {

// Half the timeout, so a dead broker is gone at most 1.5 timeouts after its last heartbeat,
// bounded to keep the database load and the delay reasonable.
std::chrono::milliseconds reapInterval(int64_t timeout_ms) {
  return std::chrono::milliseconds(std::clamp<int64_t>(timeout_ms / 2, 1000, 5000));
}

}  // namespace

BrokerReaper::BrokerReaper(MetaStore& meta, int64_t timeout_ms)
    : meta_(meta),
      timeout_ms_(timeout_ms),
      task_("broker reaper", reapInterval(timeout_ms), [this] { reapOnce(); }) {}

int BrokerReaper::reapOnce() {
  const auto removed = meta_.reapBrokers(timeout_ms_);
  for (const auto& broker : removed) {
    logInfo("broker reaped")
        .kv("broker", broker.id)
        .kv("address", broker.host + ":" + std::to_string(broker.port))
        .kv("silent_ms", nowMs() - broker.last_heartbeat_ms);
  }
  return static_cast<int>(removed.size());
}

}  // namespace mq
