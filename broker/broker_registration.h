// Keeps this broker in the registry (the metadata database's brokers table): registers at
// start, heartbeats periodically, deregisters on graceful shutdown. Clients discover live
// brokers from it. A heartbeat that fails (metadata DB down) is retried on the next tick;
// serving continues meanwhile.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/meta_store.h"

namespace mq {

class BrokerRegistration {
 public:
  BrokerRegistration(MetaStore& store, BrokerRecord self, int64_t interval_ms);
  ~BrokerRegistration();

  // Registers once (throws on failure) and starts heartbeating.
  void start();
  // Stops heartbeating and removes this broker from the registry (best effort).
  void stop();
  // Called after each heartbeat attempt (for metrics about datanode pools etc.).
  void setTickHook(std::function<void()> hook) { hook_ = std::move(hook); }
  // The topology version reported with each heartbeat (DatanodePools::servedVersion).
  // Set before start().
  void setVersionSource(std::function<int64_t()> source) { version_source_ = std::move(source); }

 private:
  void loop();

  MetaStore& store_;
  BrokerRecord self_;
  const int64_t interval_ms_;
  std::function<void()> hook_;
  std::function<int64_t()> version_source_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq
