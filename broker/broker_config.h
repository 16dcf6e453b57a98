// Configuration of a broker: one struct, every field with its default and meaning. The same
// names work on the command line (--port 9200) and in the config file (port = 9200).
#pragma once

#include <cstdint>
#include <string>

#include "broker/group_commit_limits.h"
#include "common/option_table.h"
#include "server/security_config.h"

namespace mq {

struct BrokerConfig {
  std::string host = "127.0.0.1";        // address to listen on
  int port = 9200;                       // Thrift port
  int metrics_port = 9280;               // HTTP port of /metrics
  std::string advertised_host;           // host clients should use; default: host
  std::string broker_id;                 // registry id; default: advertised_host:port
  std::string meta_db;                   // mysql://user:pass@host:port/db of the metadata DB
  int64_t heartbeat_interval_ms = 2000;  // registry heartbeat period
  int64_t metadata_refresh_ms = 1000;    // how often the topology version is checked
  int64_t max_message_bytes = 1 << 20;   // key + value + headers of one message
  int64_t max_batch_bytes = 8 << 20;     // all messages of one produce request
  int max_batch_messages = 10000;        // messages in one partition batch
  int max_fetch_wait_ms = 30000;         // upper bound of a fetch's long-poll
  int fetch_watch_interval_ms = 5;       // log-end watcher period for waiting fetches; 0 = off
  int64_t fetch_cache_bytes = 32 << 20;  // acknowledged appends kept for fetches; 0 = off
  int datanode_pool_size = 32;           // connections per datanode
  int append_groups = 2;                 // group-commit transactions per datanode at once
  int busy_append_groups = 4;            // the same while large batches queue (>= 1 MiB)
  // Bytes of batches queued for a datanode that start a group beside a running one.
  int64_t append_overlap_bytes = 32 << 10;
  int append_gather_us = 1000;     // longest wait of a group for the callers the last answered
  int malloc_arenas = 2;           // glibc malloc arenas (0: glibc's default, 8 per core)
  int malloc_tcache_count = 1024;  // freed small blocks glibc keeps per thread and size
  int64_t delay_poll_ms = 200;     // how often due delayed messages are moved
  int64_t max_delay_ms = 90LL * 24 * 3600 * 1000;  // latest delivery time accepted, from now
  int max_connections = 0;                         // open client connections in all; 0 = no limit
  int max_connections_per_ip = 0;         // open client connections from one address; 0 = no limit
  int64_t quota_max_throttle_ms = 30000;  // longest throttle of one request (quotas)
  // How the Thrift port serves connections: "events" (server/event_rpc_server.h) or
  // "threads" (a thread per connection, server/rpc_server.h); TLS is served by threads.
  std::string rpc_io = "events";
  std::string log_level = "info";  // debug | info | warn | error
  // The Kafka listener (docs/kafka.md), HOST:PORT; empty: none. Parsed into kafka_host and
  // kafka_port; kafka_advertised_host is what the registry (and Kafka Metadata) gives
  // clients: --advertised-host when set, else the listener's host (0.0.0.0: 127.0.0.1).
  std::string kafka_listen;
  std::string kafka_host;
  int kafka_port = 0;
  std::string kafka_advertised_host;
  // Which rows Kafka fetches return (broker/durable_reads.h): "durable" (only rows known
  // durable: Kafka clients cannot notice a crash taking rows back) or "committed" (every
  // committed row: enough when the datanodes make commits visible only once durable,
  // docs/operations.md, "Commit visibility").
  std::string kafka_fetch_visibility = "durable";
  // A metaserver, HOST:PORT, where the Kafka door sends topic administration (CreateTopics,
  // DeleteTopics, CreatePartitions) as mqctl does; empty: those are refused.
  std::string metaserver;
  SecurityConfig security;  // auth, auth-refresh, tls* (docs/security.md)

  // append-groups, busy-append-groups, append-overlap-bytes and append-gather-us, for the
  // datanode writers.
  GroupCommitLimits groupCommitLimits() const {
    GroupCommitLimits limits;
    limits.groups = append_groups;
    limits.busy_groups = busy_append_groups;
    limits.overlap_bytes = append_overlap_bytes;
    limits.gather_us = append_gather_us;
    return limits;
  }

  // The table of the options above but `security` (broker/broker_config.cc): names, fields,
  // defaults, ranges and the sentence --help and docs/broker.md show.
  static const OptionTable<BrokerConfig>& optionTable();
  // Registers every option above (names with dashes, e.g. --metrics-port).
  static void addOptions(po::options_description& options);
  // Reads the parsed values; throws std::invalid_argument naming a bad value.
  static BrokerConfig fromValues(const po::variables_map& values);
};

}  // namespace mq
