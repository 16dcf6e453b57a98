// The Prometheus endpoint every daemon serves (GET /metrics), with the standard process
// metrics (process_resident_memory_bytes, process_cpu_seconds_total, ...) always included.
// The metaserver serves /metrics from its HttpServer instead (server/http_server.h), with
// the same ProcessCollector.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace mq {

// The standard process_* metrics, read from /proc/self on every scrape: resident and
// virtual memory, CPU seconds, threads, open file descriptors, start time.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

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
