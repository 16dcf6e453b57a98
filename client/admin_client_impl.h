// AdminClient's state, shared by its calls in admin_*.cc: the Cluster (brokers) and one
// metaserver connection with the retry rules of mq/admin.h.
#pragma once

#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "MetaService.h"
#include "client/cluster.h"
#include "client/error.h"
#include "mq/admin.h"

namespace mq::client {

class AdminClient::Impl {
 public:
  explicit Impl(ClientConfig config) : config_(std::move(config)), cluster_(config_) {
    if (!config_.metaserver.empty()) {
      meta_ = std::make_unique<MetaConnection>(parseHostPorts({config_.metaserver}, "")[0],
                                               cluster_.connectionOptions());
    }
  }

  // Runs one MetaService call. Reads (idempotent) are retried on retriable errors; changes
  // run on a fresh connection and are retried only when the request surely was not sent.
  template <class Fn>
  auto meta(Fn&& fn, bool idempotent) -> decltype(fn(std::declval<rpc::MetaServiceClient&>())) {
    if (!meta_) {
      throw invalidConfig("no metaserver configured (set metaserver to host:port)");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (int failures = 1;; ++failures) {
      try {
        // An idle connection may have been closed by the server; a change must not fail
        // (or be repeated) because of that.
        if (!idempotent) meta_->close();
        return meta_->call(fn);
      } catch (const Error& e) {
        const auto* transport = dynamic_cast<const TransportError*>(&e);
        bool repeatable = idempotent || (transport && !transport->requestSent());
        if (!e.retriable() || !repeatable || !cluster_.retryPolicy().mayRetry(failures)) throw;
        std::this_thread::sleep_for(cluster_.retryPolicy().backoff(failures - 1));
      }
    }
  }

  rpc::RequestHeader header() const { return cluster_.requestHeader(); }
  Cluster& cluster() { return cluster_; }

 private:
  const ClientConfig config_;
  Cluster cluster_;
  std::mutex mutex_;
  std::unique_ptr<MetaConnection> meta_;
};

}  // namespace mq::client
