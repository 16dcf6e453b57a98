#include "metaserver/cluster/known_brokers.h"

#include <cppconn/exception.h>

#include "common/log.h"
#include "storage/db_pool.h"

namespace mq {

std::vector<BrokerRecord> KnownBrokers::live() {
  try {
    auto brokers = meta_.liveBrokers(broker_timeout_ms_);
    remember(brokers);
    return brokers;
  } catch (const std::exception& e) {
    const auto* sql_error = dynamic_cast<const sql::SQLException*>(&e);
    if (sql_error && !isTransientDbError(*sql_error)) throw;
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_.empty()) throw;
    if (!serving_last_) {
      serving_last_ = true;
      logWarn("metadata database unreachable; answering the last known brokers")
          .kv("brokers", static_cast<int64_t>(last_.size()))
          .kv("error", e.what());
    }
    return last_;
  }
}

void KnownBrokers::remember(const std::vector<BrokerRecord>& brokers) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (serving_last_) {
    serving_last_ = false;
    logInfo("metadata database reachable again; listing the registered brokers");
  }
  // An empty registry right after an outage (heartbeats not yet renewed) is not kept.
  if (!brokers.empty()) last_ = brokers;
}

}  // namespace mq
