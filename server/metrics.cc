#include "server/metrics.h"

#include <dirent.h>
#include <fmt/format.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mq {
namespace {

prometheus::MetricFamily gauge(const std::string& name, const std::string& help, double value) {
  prometheus::MetricFamily family{name, help, prometheus::MetricType::Gauge, {}};
  prometheus::ClientMetric metric;
  metric.gauge.value = value;
  family.metric.push_back(metric);
  return family;
}

prometheus::MetricFamily counter(const std::string& name, const std::string& help, double value) {
  prometheus::MetricFamily family{name, help, prometheus::MetricType::Counter, {}};
  prometheus::ClientMetric metric;
  metric.counter.value = value;
  family.metric.push_back(metric);
  return family;
}

int countOpenFds() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++count;
    closedir(dir);
  }
  return count > 2 ? count - 2 : 0;  // minus "." and ".."
}

double bootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return families;
  std::istringstream fields(stat.substr(close_paren + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  // Field numbers from proc(5), minus the first two (pid, comm).
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (f.size() < 22) return families;
  double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  double threads = std::stod(f[17]);
  double start_ticks = std::stod(f[19]);
  double vsize = std::stod(f[20]);
  double rss = std::stod(f[21]) * page;

  families.push_back(gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss));
  families.push_back(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", vsize));
  families.push_back(counter("process_cpu_seconds_total",
                             "Total user and system CPU time spent in seconds.", cpu));
  families.push_back(gauge("process_threads", "Number of OS threads.", threads));
  families.push_back(gauge("process_open_fds", "Number of open file descriptors.",
                           static_cast<double>(countOpenFds())));
  families.push_back(gauge("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           bootTimeSeconds() + start_ticks / ticks));
  return families;
}

MetricsEndpoint::MetricsEndpoint(const std::string& host, int port)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<ProcessCollector>()) {
  const std::string address = fmt::format("{}:{}", host, port);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot serve /metrics on {}: {}", address, e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(process_);
}

MetricsEndpoint::~MetricsEndpoint() {
  // Stopping civetweb waits out its 2 s poll interval, which would make every graceful
  // shutdown take 2 s longer. The endpoint lives as long as the process, so leave the
  // listener to the operating system at exit.
  (void)exposer_.release();
}

}  // namespace mq
