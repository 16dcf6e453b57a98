// The live brokers as the metaserver tells clients (listBrokers, the discovery of clients
// given no bootstrap brokers). Read from the metadata database's registry on every call
// (and kept fresh by ClusterGauges' sampling every 5 s, which hands its reads to
// remember()); while that database cannot be read, the last list read is answered, so that
// clients can still find the brokers, which keep serving produce and fetch through a
// metadata outage (no broker can register or be found dead meanwhile: the list is the one
// from before). Without any list read yet the database's error goes to the caller.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "storage/meta_store.h"

namespace mq {

class KnownBrokers {
 public:
  KnownBrokers(MetaStore& meta, int64_t broker_timeout_ms)
      : meta_(meta), broker_timeout_ms_(broker_timeout_ms) {}

  std::vector<BrokerRecord> live();
  // A list just read from the registry by someone else.
  void remember(const std::vector<BrokerRecord>& brokers);
  int64_t brokerTimeoutMs() const { return broker_timeout_ms_; }

 private:
  MetaStore& meta_;
  const int64_t broker_timeout_ms_;
  std::mutex mutex_;
  std::vector<BrokerRecord> last_;
  bool serving_last_ = false;  // the database failed; the last list is being answered
};

}  // namespace mq
