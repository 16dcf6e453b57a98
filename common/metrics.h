// The Prometheus endpoint every daemon serves (GET /metrics), with the standard process
// metrics (process_resident_memory_bytes, process_cpu_seconds_total, ...) always included.
#pragma once

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace mq {

// Meant to live as long as the process (see the destructor).
class MetricsEndpoint {
 public:
  // Listens on host:port. Throws std::runtime_error with the address when it cannot bind.
  MetricsEndpoint(const std::string& host, int port);
  ~MetricsEndpoint();

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> sharedRegistry() { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace mq
