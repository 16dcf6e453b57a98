#include "broker/broker_config.h"

#include <stdexcept>

#include "common/log.h"
#include "common/option_values.h"

namespace mq {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;

}  // namespace

const OptionTable<BrokerConfig>& BrokerConfig::optionTable() {
  using C = BrokerConfig;
  static const auto* table =
      &(new OptionTable<C>("broker"))
           ->text("host", &C::host, "address to listen on")
           .number("port", &C::port, 1, 65535, "Thrift port")
           .number("metrics-port", &C::metrics_port, 1, 65535, "HTTP port of /metrics")
           .text("advertised-host", &C::advertised_host,
                 "host clients should use to reach this broker")
           .derivedDefault("host")
           .text("broker-id", &C::broker_id, "id in the broker registry")
           .derivedDefault("advertised-host:port")
           .text("meta-db", &C::meta_db,
                 "metadata database, mysql://user:password@host:port/database")
           .required()
           .duration("heartbeat-interval", &C::heartbeat_interval_ms, 100, kMinute,
                     "broker registry heartbeat period")
           .duration("metadata-refresh", &C::metadata_refresh_ms, 10, kMinute,
                     "how often the cached topology is checked for changes")
           .bytes("max-message-bytes", &C::max_message_bytes, 1, 16 << 20,
                  "largest message (key + value + headers) accepted")
           .bytes("max-batch-bytes", &C::max_batch_bytes, 1, 15 << 20,
                  "largest produce request (all its messages) accepted; at least "
                  "max-message-bytes")
           .number("max-batch-messages", &C::max_batch_messages, 1, 100000,
                   "most messages in one partition batch")
           .duration("max-fetch-wait", &C::max_fetch_wait_ms, 1, 5 * kMinute,
                     "upper bound of a fetch's long-poll wait")
           .duration("fetch-watch-interval", &C::fetch_watch_interval_ms, 0, kMinute,
                     "while fetches wait, how often their partitions' log ends are read (one "
                     "query per datanode) to see appends through other brokers (0: off; they "
                     "re-read on their own backoff, up to 50 ms)")
           .bytes("fetch-cache-bytes", &C::fetch_cache_bytes, 0, 1LL << 30,
                  "messages this broker appended lately, kept to answer fetches at the log "
                  "end without reading them back from the datanode (0: off; a partition "
                  "keeps at most a sixteenth)")
           .number("max-connections", &C::max_connections, 0, 1000000,
                   "open client connections in all; more are closed at accept (0: no limit)")
           .number("max-connections-per-ip", &C::max_connections_per_ip, 0, 1000000,
                   "open client connections from one address; more are closed at accept (0: no "
                   "limit)")
           .choice("rpc-io", &C::rpc_io, {"events", "threads"},
                   "how the Thrift port serves its connections: events (one thread waits on "
                   "all of them, requests run on a pool, a produce is answered by the group "
                   "commit that stored it) or threads (a thread per connection); with tls = "
                   "on always threads")
           .duration("quota-max-throttle", &C::quota_max_throttle_ms, 1, 5 * kMinute,
                     "longest a request over a quota is held back; the rest of its debt holds "
                     "back the next")
           .number("datanode-pool-size", &C::datanode_pool_size, 1, 1000,
                   "database connections per datanode")
           .number("append-groups", &C::append_groups, 1, 64,
                   "group-commit transactions per datanode running at once")
           .number("busy-append-groups", &C::busy_append_groups, 1, 64,
                   "the same while at least 1 MiB of batches queue for a datanode (large "
                   "batches); at least append-groups; also the datanode's writer threads")
           .bytes("append-overlap-bytes", &C::append_overlap_bytes, 0, 1 << 30,
                  "a group commit starts beside a running one of its datanode only while this "
                  "many bytes of batches queue; smaller ones wait and go together in the next "
                  "(0: always up to append-groups)")
           .number("append-gather-us", &C::append_gather_us, 0, 100000,
                   "longest a datanode's next group commit waits, in microseconds, for the "
                   "callers its last group answered to send again (synchronous producers); "
                   "groups that wait in vain stop waiting for a while (0: never wait)")
           .duration("delay-poll", &C::delay_poll_ms, 1, kMinute,
                     "how often due delayed messages are moved into their partitions")
           .duration("max-delay", &C::max_delay_ms, 1000, 3650 * kDay,
                     "latest delivery time accepted, from now")
           .number("malloc-arenas", &C::malloc_arenas, 0, 64,
                   "glibc malloc arenas (0: glibc's default; MALLOC_ARENA_MAX wins)")
           .number("malloc-tcache-count", &C::malloc_tcache_count, 0, 65535,
                   "freed small blocks glibc keeps per thread and size, set through "
                   "GLIBC_TUNABLES by starting the broker again at once (0: glibc's default, "
                   "7; a glibc.malloc.tcache_count in GLIBC_TUNABLES wins)")
           .choice("log-level", &C::log_level, logLevelNames(), "least severity logged")
           .text("kafka-listen", &C::kafka_listen,
                 "HOST:PORT of the Kafka protocol listener, e.g. 127.0.0.1:9092 (empty: none)")
           .choice("kafka-fetch-visibility", &C::kafka_fetch_visibility, {"durable", "committed"},
                   "which rows Kafka fetches return: only durable ones (a crash cannot take "
                   "back what a Kafka consumer read), or every committed one (when the "
                   "datanodes' commits become visible only once durable)")
           .text("metaserver", &C::metaserver,
                 "HOST:PORT of a metaserver, where Kafka CreateTopics, DeleteTopics and "
                 "CreatePartitions go (empty: refused)");
  return *table;
}

void BrokerConfig::addOptions(po::options_description& options) {
  optionTable().addTo(options);
  addSecurityOptions(options);
}

BrokerConfig BrokerConfig::fromValues(const po::variables_map& values) {
  BrokerConfig c;
  optionTable().read(values, c);
  if (c.advertised_host.empty()) c.advertised_host = c.host;
  if (c.advertised_host == "0.0.0.0") c.advertised_host = "127.0.0.1";
  if (c.broker_id.empty()) c.broker_id = c.advertised_host + ":" + std::to_string(c.port);
  checkOptionRange("max-batch-bytes", c.max_batch_bytes, c.max_message_bytes, 15 << 20);
  c.security = readSecurityConfig(values);
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
