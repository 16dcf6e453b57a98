#include "broker/broker_config.h"

#include <stdexcept>

#include "common/option_values.h"

namespace mq {

void BrokerConfig::addOptions(po::options_description& options) {
  BrokerConfig d;
  options.add_options()("host", po::value<std::string>()->default_value(d.host),
                        "address to listen on")("port", po::value<int>()->default_value(d.port),
                                                "Thrift port")(
      "metrics-port", po::value<int>()->default_value(d.metrics_port), "HTTP port of /metrics")(
      "advertised-host", po::value<std::string>(), "host clients should use (default: --host)")(
      "broker-id", po::value<std::string>(), "registry id (default: advertised-host:port)")(
      "meta-db", po::value<std::string>(),
      "metadata database, mysql://user:password@host:port/database (required)")(
      "heartbeat-interval", po::value<std::string>()->default_value("2s"),
      "broker registry heartbeat period")("metadata-refresh",
                                          po::value<std::string>()->default_value("1s"),
                                          "how often the cached topology is checked for changes")(
      "max-message-bytes", po::value<int64_t>()->default_value(d.max_message_bytes),
      "largest message (key + value + headers) accepted")(
      "max-batch-bytes", po::value<int64_t>()->default_value(d.max_batch_bytes),
      "largest produce request (all messages) accepted")(
      "max-batch-messages", po::value<int>()->default_value(d.max_batch_messages),
      "most messages in one partition batch")("max-fetch-wait",
                                              po::value<std::string>()->default_value("30s"),
                                              "upper bound of a fetch's long-poll wait")(
      "datanode-pool-size", po::value<int>()->default_value(d.datanode_pool_size),
      "database connections per datanode")(
      "append-groups", po::value<int>()->default_value(d.append_groups),
      "group-commit transactions per datanode running at once")(
      "max-connections", po::value<int>()->default_value(d.max_connections),
      "open client connections in all; more are closed at once (0 = no limit)")(
      "max-connections-per-ip", po::value<int>()->default_value(d.max_connections_per_ip),
      "open client connections from one address; more are closed at once (0 = no limit)")(
      "quota-max-throttle", po::value<std::string>()->default_value("30s"),
      "longest a request over a quota is held back; the rest of its debt holds back the next")(
      "delay-poll", po::value<std::string>()->default_value("200ms"),
      "how often due delayed messages are moved into their partitions")(
      "max-delay", po::value<std::string>()->default_value("90d"),
      "latest delivery time accepted, from now")(
      "malloc-arenas", po::value<int>()->default_value(d.malloc_arenas),
      "glibc malloc arenas (0: glibc's default; MALLOC_ARENA_MAX wins)")(
      "log-level", po::value<std::string>()->default_value(d.log_level),
      "debug, info, warn or error")(
      "kafka-listen", po::value<std::string>()->default_value(d.kafka_listen),
      "HOST:PORT of the Kafka protocol listener, e.g. 127.0.0.1:9092 (empty: none)")(
      "metaserver", po::value<std::string>()->default_value(d.metaserver),
      "HOST:PORT of a metaserver, where Kafka CreateTopics, DeleteTopics and CreatePartitions "
      "go (empty: refused)");
  addSecurityOptions(options);
}

BrokerConfig BrokerConfig::fromValues(const po::variables_map& values) {
  BrokerConfig c;
  c.host = values["host"].as<std::string>();
  c.port = values["port"].as<int>();
  c.metrics_port = values["metrics-port"].as<int>();
  checkOptionRange("port", c.port, 1, 65535);
  checkOptionRange("metrics-port", c.metrics_port, 1, 65535);
  c.advertised_host =
      values.count("advertised-host") ? values["advertised-host"].as<std::string>() : c.host;
  if (c.advertised_host == "0.0.0.0") c.advertised_host = "127.0.0.1";
  c.broker_id = values.count("broker-id") ? values["broker-id"].as<std::string>()
                                          : c.advertised_host + ":" + std::to_string(c.port);
  if (!values.count("meta-db")) throw std::invalid_argument("--meta-db is required");
  c.meta_db = values["meta-db"].as<std::string>();
  c.heartbeat_interval_ms = durationOptionMs(values, "heartbeat-interval", c.heartbeat_interval_ms);
  c.metadata_refresh_ms = durationOptionMs(values, "metadata-refresh", c.metadata_refresh_ms);
  c.max_message_bytes = values["max-message-bytes"].as<int64_t>();
  c.max_batch_bytes = values["max-batch-bytes"].as<int64_t>();
  c.max_batch_messages = values["max-batch-messages"].as<int>();
  checkOptionRange("max-message-bytes", c.max_message_bytes, 1, 16 << 20);
  checkOptionRange("max-batch-bytes", c.max_batch_bytes, c.max_message_bytes, 15 << 20);
  checkOptionRange("max-batch-messages", c.max_batch_messages, 1, 100000);
  c.max_fetch_wait_ms =
      static_cast<int>(durationOptionMs(values, "max-fetch-wait", c.max_fetch_wait_ms));
  c.datanode_pool_size = values["datanode-pool-size"].as<int>();
  checkOptionRange("datanode-pool-size", c.datanode_pool_size, 1, 1000);
  c.append_groups = values["append-groups"].as<int>();
  checkOptionRange("append-groups", c.append_groups, 1, 64);
  c.malloc_arenas = values["malloc-arenas"].as<int>();
  checkOptionRange("malloc-arenas", c.malloc_arenas, 0, 64);
  c.delay_poll_ms = durationOptionMs(values, "delay-poll", c.delay_poll_ms);
  c.max_delay_ms = durationOptionMs(values, "max-delay", c.max_delay_ms);
  c.max_connections = values["max-connections"].as<int>();
  c.max_connections_per_ip = values["max-connections-per-ip"].as<int>();
  checkOptionRange("max-connections", c.max_connections, 0, 1000000);
  checkOptionRange("max-connections-per-ip", c.max_connections_per_ip, 0, 1000000);
  c.quota_max_throttle_ms =
      durationOptionMs(values, "quota-max-throttle", c.quota_max_throttle_ms, 1, 300000);
  c.log_level = values["log-level"].as<std::string>();
  c.security = readSecurityConfig(values);
  c.metaserver = values["metaserver"].as<std::string>();
  c.kafka_listen = values["kafka-listen"].as<std::string>();
  if (!c.kafka_listen.empty()) {
    const auto colon = c.kafka_listen.rfind(':');
    int port = 0;
    try {
      size_t used = 0;
      if (colon != std::string::npos) port = std::stoi(c.kafka_listen.substr(colon + 1), &used);
      if (colon == std::string::npos || colon == 0 || used != c.kafka_listen.size() - colon - 1) {
        port = 0;
      }
    } catch (const std::exception&) {
      port = 0;
    }
    if (port < 1 || port > 65535) {
      throw std::invalid_argument("--kafka-listen must be HOST:PORT, e.g. 127.0.0.1:9092 (got `" +
                                  c.kafka_listen + "`)");
    }
    c.kafka_host = c.kafka_listen.substr(0, colon);
    c.kafka_port = port;
    if (values.count("advertised-host")) {
      c.kafka_advertised_host = c.advertised_host;
    } else {
      c.kafka_advertised_host = c.kafka_host == "0.0.0.0" ? "127.0.0.1" : c.kafka_host;
    }
  }
  return c;
}

}  // namespace mq
