#include "metaserver/metaserver_config.h"

#include <fmt/format.h>

#include <iostream>

#include "common/db_pool.h"
#include "common/log.h"
#include "common/topic_name.h"

namespace mq {
namespace {

constexpr const char* kUsage =
    "usage: mq-metaserver --meta-db mysql://user:pass@host:port/db [options]\n"
    "The control plane: topics, partitions, datanodes and the broker registry.";

bool validPort(int port) { return port >= 1 && port <= 65535; }

}  // namespace

void addMetaserverOptions(po::options_description& options, MetaserverConfig& config) {
  options.add_options()                                                                //
      ("host", po::value(&config.host)->default_value(config.host),                    //
       "address the Thrift and HTTP ports bind to")                                    //
      ("port", po::value(&config.port)->default_value(config.port),                    //
       "Thrift port of MetaService")                                                   //
      ("http-port", po::value(&config.http_port)->default_value(config.http_port),     //
       "HTTP port: /metrics and the JSON API (/api/...)")                              //
      ("meta-db", po::value(&config.meta_db)->required(),                              //
       "metadata database, mysql://user:pass@host:port/db (required)")                 //
      ("broker-timeout", po::value<std::string>()->default_value("10s"),               //
       "a broker silent longer than this is not listed and is reaped (e.g. 10s, 1m)")  //
      ("log-level", po::value(&config.log_level)->default_value(config.log_level),     //
       "debug, info, warn or error")                                                   //
      ("cluster-name", po::value(&config.cluster_name)->default_value(config.cluster_name),
       "this cluster's name, 1..64 of [A-Za-z0-9._-] (docs/multi-cluster.md)")     //
      ("retry-retention", po::value<std::string>()->default_value("7d"),           //
       "retention of new retry topics of consumer groups (docs/dead-letters.md)")  //
      ("dead-letter-retention", po::value<std::string>()->default_value("14d"),    //
       "retention of new dead-letter topics of consumer groups");
  addLagCollectorOptions(options, config.lag);
  addLifecycleOptions(options, config.lifecycle);
  addPortalOptions(options, config.portal);
  addFailoverOptions(options, config.failover);
  addPeerClusterOptions(options, config.peers);
  addSecurityOptions(options);
}

bool readMetaserverConfig(const po::variables_map& values, MetaserverConfig& config,
                          std::string* problem) {
  if (!validPort(config.port)) {
    *problem = "--port must be 1..65535, got " + std::to_string(config.port);
    return false;
  }
  if (!validPort(config.http_port)) {
    *problem = "--http-port must be 1..65535, got " + std::to_string(config.http_port);
    return false;
  }
  if (config.http_port == config.port) {
    *problem = "--port and --http-port must differ";
    return false;
  }
  const auto& timeout = values["broker-timeout"].as<std::string>();
  if (!parseDurationMs(timeout, &config.broker_timeout_ms) || config.broker_timeout_ms <= 0) {
    *problem =
        "--broker-timeout must be a positive duration such as 10s or 1m, got `" + timeout + "`";
    return false;
  }
  for (auto [name, field] :
       {std::pair{"retry-retention", &config.dead_letters.retry_retention_ms},
        std::pair{"dead-letter-retention", &config.dead_letters.dead_letter_retention_ms}}) {
    const auto& text = values[name].as<std::string>();
    if (!parseDurationMs(text, field) || *field <= 0) {
      *problem =
          fmt::format("--{} must be a positive duration such as 7d or 12h, got `{}`", name, text);
      return false;
    }
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
  LogLevel level;
  if (!parseLogLevel(config.log_level, &level)) {
    *problem = "--log-level must be debug, info, warn or error, got `" + config.log_level + "`";
    return false;
  }
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
