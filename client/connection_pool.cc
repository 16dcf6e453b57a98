#include "client/connection_pool.h"

namespace mq::client {

BrokerConnectionPool::Lease BrokerConnectionPool::lease(const HostPort& address) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(address);
    if (it != idle_.end() && !it->second.empty()) {
      auto connection = std::move(it->second.back());
      it->second.pop_back();
      return Lease(this, std::move(connection));
    }
  }
  return Lease(this, std::make_unique<BrokerConnection>(address, options_));
}

void BrokerConnectionPool::giveBack(std::unique_ptr<BrokerConnection> connection) {
  std::unique_ptr<BrokerConnection> surplus;  // closed outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto& idle = idle_[connection->address()];
  if (idle.size() < max_idle_per_broker_) {
    idle.push_back(std::move(connection));
  } else {
    surplus = std::move(connection);
  }
}

void BrokerConnectionPool::clear() {
  std::map<HostPort, std::vector<std::unique_ptr<BrokerConnection>>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle.swap(idle_);
  }
}

}  // namespace mq::client
