#include "broker/broker_registration.h"

#include "common/clock.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq {

BrokerRegistration::BrokerRegistration(MetaStore& store, BrokerRecord self, int64_t interval_ms)
    : store_(store), self_(std::move(self)), interval_ms_(interval_ms) {}

BrokerRegistration::~BrokerRegistration() { stop(); }

void BrokerRegistration::start() {
  self_.started_ms = nowMs();
  self_.last_heartbeat_ms = self_.started_ms;
  store_.upsertBroker(self_);
  thread_ = std::thread([this] {
    nameThisThread("heartbeat");
    loop();
  });
}

void BrokerRegistration::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  try {
    store_.deleteBroker(self_.id);
    logInfo("broker deregistered").kv("id", self_.id);
  } catch (const std::exception& e) {
    logWarn("could not deregister broker").kv("id", self_.id).kv("error", e.what());
  }
}

void BrokerRegistration::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (
      !cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; })) {
    lock.unlock();
    try {
      self_.last_heartbeat_ms = nowMs();
      if (version_source_) self_.topology_version = version_source_();
      store_.upsertBroker(self_);
    } catch (const std::exception& e) {
      logWarn("broker heartbeat failed").kv("error", e.what());
    }
    if (hook_) hook_();
    lock.lock();
  }
}

}  // namespace mq
