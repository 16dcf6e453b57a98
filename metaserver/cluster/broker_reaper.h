// Removes brokers from the registry once they have been silent (no heartbeat) for longer
// than the broker timeout, and logs each one removed. Runs on its own thread every few
// seconds; stop() returns promptly. Several metaservers may reap at once: the DELETE is
// idempotent.
#pragma once

#include <cstdint>

#include "metaserver/periodic_task.h"
#include "storage/meta_store.h"

namespace mq {

class BrokerReaper {
 public:
  BrokerReaper(MetaStore& meta, int64_t timeout_ms);

  void start() { task_.start(); }
  void stop() { task_.stop(); }

  // One pass; returns how many brokers were removed. Throws sql::SQLException.
  int reapOnce();

 private:
  MetaStore& meta_;
  const int64_t timeout_ms_;
  PeriodicTask task_;
};

}  // namespace mq
