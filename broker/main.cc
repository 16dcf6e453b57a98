// mq-broker: a stateless Thrift server that appends to and reads from partition tables on
// the datanodes. Any broker can serve any partition.
#include <algorithm>
#include <iostream>
#include <map>

#include "broker/async_produce.h"
#include "broker/broker_config.h"
#include "broker/broker_processor.h"
#include "broker/broker_registration.h"
#include "broker/broker_service.h"
#include "broker/delay_mover.h"
#include "broker/kafka/kafka_server.h"
#include "broker/log_end_watcher.h"
#include "common/log.h"
#include "common/shutdown_signal.h"
#include "common/tls.h"
#include "server/event_rpc_server.h"
#include "server/malloc_arenas.h"
#include "server/malloc_tcache.h"
#include "server/metrics.h"
#include "server/rpc_server.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"

namespace {

constexpr int64_t kBrokerListTimeoutMs = 10000;

int run(int argc, char** argv) {
  mq::po::options_description options("Broker");
  mq::BrokerConfig::addOptions(options);
  mq::po::variables_map values;
  int exit_code = 0;
  if (!mq::parseOptions(argc, argv,
                        "mq-broker: serves produce and fetch for every partition.\n"
                        "Usage: mq-broker [--config FILE] [options]",
                        options, values, &exit_code)) {
    return exit_code;
  }
  mq::BrokerConfig config;
  mq::DbTarget meta_target;
  std::shared_ptr<mq::TlsSocketFactory> tls;
  try {
    config = mq::BrokerConfig::fromValues(values);
    mq::startLogging("broker", config.log_level);
    meta_target = mq::DbTarget::parseUrl(config.meta_db);
    // TLS files are read now: a missing file or a key that does not match its certificate
    // stops start-up here, naming the setting and the file.
    tls = mq::makeTlsFactory(config.security.tls, mq::TlsSide::kServer);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << " (see --help)\n";
    return 2;
  }
  // Before any thread starts: the tcache's setting may start the broker again.
  if (auto failed = mq::useMallocTcache(config.malloc_tcache_count, argv); !failed.empty()) {
    mq::logWarn("malloc-tcache-count not applied")
        .kv("malloc_tcache_count", config.malloc_tcache_count)
        .kv("error", failed);
  }
  mq::ShutdownSignal shutdown;  // blocks SIGTERM/SIGINT in every later thread
  mq::limitMallocArenas(config.malloc_arenas);

  mq::DbPoolOptions meta_options;
  // Group coordination runs short transactions on the metadata database.
  meta_options.max_connections = 32;
  meta_options.create_database = true;
  mq::DbPool meta_pool(meta_target, meta_options);
  mq::MetaStore meta_store(meta_pool);
  mq::TopologyCache topology(meta_store, config.metadata_refresh_ms, kBrokerListTimeoutMs);
  try {
    mq::applyMigrations(meta_pool, mq::metaMigrations());
    topology.loadInitial();
  } catch (const std::exception& e) {
    std::cerr << "error: cannot use metadata database " << meta_target.describe() << ": "
              << e.what() << "\n";
    return 1;
  }

  std::unique_ptr<mq::MetricsEndpoint> metrics_endpoint;
  try {
    metrics_endpoint = std::make_unique<mq::MetricsEndpoint>(config.host, config.metrics_port);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  mq::BrokerMetrics metrics(metrics_endpoint->registry());
  mq::DatanodePools pools(topology, config.datanode_pool_size);
  mq::DatanodeWriters writers(config.groupCommitLimits(), config.broker_id,
                              config.fetch_cache_bytes);
  mq::ChangeNotifier notifier;
  // Wakes fetches for appends through other brokers (fetch-watch-interval; 0: off).
  mq::LogEndWatcher log_end_watcher(
      [&pools](int datanode_id) { return pools.pool(datanode_id); },
      [&topology, &config] {
        const auto live = topology.liveBrokers();
        return std::any_of(live.begin(), live.end(),
                           [&](auto& b) { return b.id != config.broker_id; });
      },
      notifier, metrics, std::chrono::milliseconds(config.fetch_watch_interval_ms));
  log_end_watcher.start();
  std::atomic<bool> shutting_down{false};
  mq::GroupDatabase group_database(meta_pool, pools, topology, metrics);
  mq::GroupCoordinator groups(group_database, topology, shutting_down);
  // Access control (docs/security.md): with `auth = on` every request is checked against
  // tokens and grants re-read every auth-refresh.
  mq::AccessStore access_store(meta_pool);
  mq::AccessControl access(config.security.accessOptions(), &access_store,
                           metrics_endpoint->registry(), "mq_broker");
  try {
    access.loadInitial();
  } catch (const std::exception& e) {
    std::cerr << "error: cannot read access tokens from " << meta_target.describe() << ": "
              << e.what() << "\n";
    return 1;
  }
  // Quotas (docs/security.md#quotas): re-read on the access-control refresh pass, also with
  // `auth = off`.
  mq::QuotaStore quota_store(meta_pool);
  mq::QuotaEnforcer quotas(quota_store, config.quota_max_throttle_ms, metrics_endpoint->registry());
  try {
    quotas.load();
  } catch (const std::exception& e) {
    std::cerr << "error: cannot read quotas from " << meta_target.describe() << ": " << e.what()
              << "\n";
    return 1;
  }
  access.addRefreshStep([&quotas] { quotas.refresh(); });
  mq::ProducerEpochs producer_epochs(meta_store,
                                     std::chrono::milliseconds(config.metadata_refresh_ms));
  mq::BrokerContext context{config,          topology, pools,          writers,    notifier,
                            log_end_watcher, metrics,  groups,         meta_store, shutting_down,
                            access,          quotas,   producer_epochs};

  auto service = std::make_shared<mq::BrokerService>(context);
  auto processor = std::make_shared<mq::BrokerProcessor>(service);
  const mq::ConnectionLimits limits{config.max_connections, config.max_connections_per_ip};
  const mq::ConnectionMetrics connection_metrics{&metrics_endpoint->registry(), "mq_broker"};
  // Event-driven unless TLS is on (server/event_rpc_server.h): produce is then answered by
  // the group commit that stored it, without a thread waiting for it.
  std::unique_ptr<mq::EventRpcServer> event_server;
  std::unique_ptr<mq::RpcServer> thread_server;
  if (config.rpc_io == "events" && !tls) {
    event_server =
        std::make_unique<mq::EventRpcServer>(processor,
                                             std::map<std::string, mq::EventRpcServer::AsyncMethod>{
                                                 {"produce", mq::asyncProduceMethod(service)}},
                                             config.host, config.port, limits, connection_metrics);
  } else {
    thread_server = std::make_unique<mq::RpcServer>(processor, config.host, config.port, limits,
                                                    connection_metrics, tls);
  }
  try {
    if (event_server) event_server->start();
    if (thread_server) thread_server->start();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  const auto gate = event_server ? event_server->gate() : thread_server->gate();
  // The Kafka front door (docs/kafka.md): same services, same connection limits and TLS.
  std::unique_ptr<mq::kafka::KafkaServer> kafka_server;
  if (config.kafka_port > 0) {
    mq::kafka::KafkaServerOptions kafka_options;
    kafka_options.host = config.kafka_host;
    kafka_options.port = config.kafka_port;
    // A produce request of max-batch-bytes of messages, plus its framing.
    kafka_options.max_request_bytes = config.max_batch_bytes + (1 << 20);
    kafka_server = std::make_unique<mq::kafka::KafkaServer>(context, kafka_options, gate, tls,
                                                            metrics_endpoint->registry());
    try {
      kafka_server->start();
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  }
  topology.start();
  access.start();
  mq::DelayMover delay_mover(topology, pools, notifier, metrics, config.delay_poll_ms);
  delay_mover.start();

  mq::BrokerRecord self;
  self.id = config.broker_id;
  self.host = config.advertised_host;
  self.port = config.port;
  self.kafka_host = config.kafka_advertised_host;
  self.kafka_port = config.kafka_port;
  mq::BrokerRegistration registration(meta_store, self, config.heartbeat_interval_ms);
  registration.setVersionSource([&] { return pools.servedVersion(); });
  registration.setTickHook([&] {
    for (const auto& usage : pools.usage()) {
      metrics.setDatanodeConnections(usage.datanode_id, usage.in_use, usage.open);
    }
  });
  try {
    registration.start();
  } catch (const std::exception& e) {
    std::cerr << "error: cannot register in " << meta_target.describe() << ": " << e.what() << "\n";
    return 1;
  }
  mq::logInfo("broker listening")
      .kv("id", config.broker_id)
      .kv("host", config.host)
      .kv("port", config.port)
      .kv("rpc_io", event_server ? "events" : "threads")
      .kv("metrics_port", config.metrics_port)
      .kv("kafka_listen", config.kafka_listen)
      .kv("auth", config.security.auth)
      .kv("tls", config.security.tls.enabled)
      .kv("tls_client_cert_required", config.security.tls.require_client_cert)
      .kv("meta_db", meta_target.describe());

  int signal = shutdown.wait();
  mq::logInfo("broker shutting down").kv("signal", signal);
  // Leave the registry first so clients stop picking this broker, refuse new calls with a
  // retriable SHUTTING_DOWN, let in-flight calls finish, then close connections.
  registration.stop();
  shutting_down = true;
  notifier.notify();  // long-polls return now
  if (!service->waitIdle(std::chrono::seconds(10))) {
    mq::logWarn("in-flight requests still running after 10 s; closing anyway");
  }
  if (event_server) event_server->stop();
  if (thread_server) thread_server->stop();
  if (kafka_server) kafka_server->stop();
  delay_mover.stop();
  log_end_watcher.stop();
  access.stop();
  topology.stop();
  mq::logInfo("broker stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
