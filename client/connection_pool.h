// Idle broker connections kept for reuse, by address. A caller leases a connection for
// one or more calls and has it alone meanwhile (Thrift clients are not thread-safe); the
// lease returns it on destruction. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "client/rpc_connection.h"

namespace mq::client {

class BrokerConnectionPool {
 public:
  class Lease {
   public:
    Lease(BrokerConnectionPool* pool, std::unique_ptr<BrokerConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->giveBack(std::move(connection_));
    }
    BrokerConnection& operator*() { return *connection_; }
    BrokerConnection* operator->() { return connection_.get(); }

   private:
    BrokerConnectionPool* pool_;
    std::unique_ptr<BrokerConnection> connection_;
  };

  // Keeps at most `max_idle_per_broker` idle connections per address.
  explicit BrokerConnectionPool(ConnectionOptions options, size_t max_idle_per_broker = 8)
      : options_(std::move(options)), max_idle_per_broker_(max_idle_per_broker) {}

  // An idle connection to `address`, or a new (not yet opened) one.
  Lease lease(const HostPort& address);

  // Closes every idle connection.
  void clear();

 private:
  void giveBack(std::unique_ptr<BrokerConnection> connection);

  const ConnectionOptions options_;
  const size_t max_idle_per_broker_;
  std::mutex mutex_;
  std::map<HostPort, std::vector<std::unique_ptr<BrokerConnection>>> idle_;
};

}  // namespace mq::client
