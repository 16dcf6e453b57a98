#include "metaserver/metaserver_config.h"

#include <fmt/format.h>

#include <iostream>

#include "common/log.h"
#include "common/topic_name.h"
#include "storage/db_pool.h"

namespace mq {
namespace {

constexpr const char* kUsage =
    "usage: mq-metaserver --meta-db mysql://user:pass@host:port/db [options]\n"
    "The control plane: topics, partitions, datanodes and the broker registry.";

constexpr int64_t kDay = 24 * 3600 * 1000;

}  // namespace

const OptionTable<MetaserverConfig>& metaserverOptionTable() {
  using C = MetaserverConfig;
  static const auto* table =
      &(new OptionTable<C>("metaserver"))
           ->text("host", &C::host, "address the Thrift and HTTP ports bind to")
           .number("port", &C::port, 1, 65535, "Thrift port of MetaService")
           .number("http-port", &C::http_port, 1, 65535,
                   "HTTP port: /metrics, the JSON API (/api/...) and the portal")
           .text("meta-db", &C::meta_db, "metadata database, mysql://user:pass@host:port/db")
           .required()
           .duration("broker-timeout", &C::broker_timeout_ms, 100, kDay,
                     "a broker silent longer than this is not listed and is reaped")
           .choice("log-level", &C::log_level, logLevelNames(), "least severity logged")
           .text("cluster-name", &C::cluster_name,
                 "this cluster's name, 1..64 of [A-Za-z0-9._-] (docs/multi-cluster.md)")
           .duration(
               "retry-retention",
               [](auto& c) -> auto& { return c.dead_letters.retry_retention_ms; }, 1000,
               3650 * kDay,
               "retention of new retry topics of consumer groups (docs/dead-letters.md)")
           .duration(
               "dead-letter-retention",
               [](auto& c) -> auto& { return c.dead_letters.dead_letter_retention_ms; }, 1000,
               3650 * kDay, "retention of new dead-letter topics of consumer groups");
  return *table;
}

void addMetaserverOptions(po::options_description& options, MetaserverConfig& config) {
  metaserverOptionTable().addTo(options, config);
  addLagCollectorOptions(options, config.lag);
  addLifecycleOptions(options, config.lifecycle);
  addPortalOptions(options, config.portal);
  addFailoverOptions(options, config.failover);
  addPeerClusterOptions(options, config.peers);
  addSecurityOptions(options);
}

bool readMetaserverConfig(const po::variables_map& values, MetaserverConfig& config,
                          std::string* problem) {
  if (!metaserverOptionTable().read(values, config, problem)) return false;
  if (config.http_port == config.port) {
    *problem = "--port and --http-port must differ";
    return false;
  }
  if (!readLagCollectorConfig(values, config.lag, problem)) return false;
  if (!readLifecycleConfig(values, config.lifecycle, problem)) return false;
  if (!readPortalConfig(values, config.portal, problem)) return false;
  if (!readFailoverConfig(values, config.failover, problem)) return false;
  try {
    config.security = readSecurityConfig(values);
  } catch (const std::invalid_argument& e) {
    *problem = e.what();
    return false;
  }
  if (!validClusterName(config.cluster_name)) {
    *problem = "--cluster-name must be 1..64 characters from [A-Za-z0-9._-], got `" +
               config.cluster_name + "`";
    return false;
  }
  if (!readPeerClusterConfig(values, config.cluster_name, config.peers, problem)) return false;
  // The URL holds a password: name the problem, never echo the text.
  if (config.meta_db.rfind("mysql://", 0) != 0) {
    *problem = "--meta-db must be a mysql://user:pass@host:port/db URL";
    return false;
  }
  try {
    DbTarget::parseUrl(config.meta_db);
  } catch (const std::invalid_argument& e) {
    *problem = std::string("--meta-db: ") + e.what();
    return false;
  }
  return true;
}

bool parseMetaserverConfig(int argc, char** argv, MetaserverConfig& config, int* exit_code) {
  po::options_description options("Metaserver", 100, 50);
  addMetaserverOptions(options, config);
  po::variables_map values;
  if (!parseOptions(argc, argv, kUsage, options, values, exit_code)) return false;
  std::string problem;
  if (!readMetaserverConfig(values, config, &problem)) {
    std::cerr << "error: " << problem << " (see --help)\n";
    *exit_code = 2;
    return false;
  }
  return true;
}

}  // namespace mq
