// mq-metaserver: the control plane. Applies the metadata and datanode schemas, serves
// MetaService over Thrift and /metrics plus the JSON API over HTTP, reaps silent brokers,
// collects consumer lag and evaluates lag alerts (when it holds the collector lease), and
// exits 0 on SIGTERM/SIGINT after stopping the RPC server and its background threads.
// Start-up failures print one `error: ...` line on stderr (never a password) and exit 1; a
// bad option exits 2.

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "common/log.h"
#include "common/shutdown_signal.h"
#include "common/tls.h"
#include "metaserver/access/audit_trail.h"
#include "metaserver/cluster/broker_reaper.h"
#include "metaserver/cluster/cluster_gauges.h"
#include "metaserver/cluster/topic_service.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/datanodes/datanode_replicas.h"
#include "metaserver/datanodes/datanode_watchdog.h"
#include "metaserver/dead_letters/dead_letter_metrics.h"
#include "metaserver/dead_letters/dead_letter_service.h"
#include "metaserver/lag/alert_service.h"
#include "metaserver/lag/lag_collector.h"
#include "metaserver/lag/lag_http_api.h"
#include "metaserver/lag/webhook_notifier.h"
#include "metaserver/lifecycle/lifecycle_metrics.h"
#include "metaserver/lifecycle/partition_lifecycle.h"
#include "metaserver/lifecycle/partition_retirer.h"
#include "metaserver/lifecycle/retention_cleaner.h"
#include "metaserver/meta_metrics.h"
#include "metaserver/metaserver_config.h"
#include "metaserver/portal/portal.h"
#include "metaserver/rpc/meta_service_handler.h"
#include "metaserver/store/alert_store.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/rpc_server.h"
#include "storage/db_pool.h"
#include "storage/embedded_sql.h"
#include "storage/meta_store.h"
#include "storage/migrations.h"

namespace {

int fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the blocked signals.
  mq::ShutdownSignal shutdown;

  mq::MetaserverConfig config;
  int exit_code = 0;
  if (!mq::parseMetaserverConfig(argc, argv, config, &exit_code)) return exit_code;
  mq::startLogging("metaserver", config.log_level);
  // TLS files are read now: a missing file or a key that does not match its certificate
  // stops start-up here, naming the setting and the file.
  std::shared_ptr<mq::TlsSocketFactory> tls;
  try {
    tls = mq::makeTlsFactory(config.security.tls, mq::TlsSide::kServer);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << " (see --help)\n";
    return 2;
  }

  const auto meta_target = mq::DbTarget::parseUrl(config.meta_db);
  mq::DbPoolOptions pool_options;
  pool_options.create_database = true;
  mq::DbPool meta_pool(meta_target, pool_options);
  try {
    meta_pool.acquire();
  } catch (const std::exception& e) {
    return fail("cannot reach metadata database " + meta_target.describe() + ": " + e.what());
  }
  try {
    mq::applyMigrations(meta_pool, mq::metaMigrations());
  } catch (const std::exception& e) {
    return fail("cannot migrate metadata database " + meta_target.describe() + ": " + e.what());
  }

  mq::MetaStore meta(meta_pool);
  mq::AuditTrail audit(meta);
  mq::DatanodeRegistry datanodes(meta, audit);
  try {
    datanodes.migrateAll();
  } catch (const std::exception& e) {
    return fail("cannot read the datanode list from " + meta_target.describe() + ": " + e.what());
  }
  mq::TopicService topics(meta, datanodes, audit);

  auto registry = std::make_shared<prometheus::Registry>();
  mq::MetaMetrics metrics(*registry);

  // Lag collection and alerts: the collector works only while this process holds the lease.
  mq::WebhookOptions webhook_options;
  webhook_options.timeout_ms = static_cast<int>(config.lag.webhook_timeout_ms);
  webhook_options.attempts = config.lag.webhook_attempts;
  webhook_options.backoff_ms = config.lag.webhook_backoff_ms;
  mq::WebhookNotifier webhooks(webhook_options, *registry);
  mq::AlertStore alert_store(meta_pool);
  mq::AlertService alerts(alert_store, webhooks, audit, *registry);
  const std::string holder = fmt::format("{}:{}#{}", config.host, config.http_port, getpid());
  mq::LagCollector collector(config.lag, meta, meta_pool, datanodes, &alerts, holder);

  // Retention and the partition lifecycle (docs/retention-and-lifecycle.md): each background
  // job runs only while this process holds its lease.
  datanodes.setSegmentMessages(config.lifecycle.segment_messages);
  mq::LifecycleMetrics lifecycle_metrics(*registry);
  mq::PartitionLifecycle lifecycle(config.lifecycle, meta, meta_pool, datanodes, audit);
  mq::RetentionCleaner retention(config.lifecycle, meta, meta_pool, datanodes, &lifecycle_metrics,
                                 holder);
  mq::PartitionRetirer retirer(config.lifecycle, meta, meta_pool, datanodes, lifecycle, audit,
                               &lifecycle_metrics, holder);

  mq::KnownBrokers known_brokers(meta, config.broker_timeout_ms);
  mq::PeerClusters peers(config.peers, *registry);

  // Access control (docs/security.md): tokens and grants; with `auth = on` remote calls are
  // checked against a policy re-read every auth-refresh.
  mq::AccessStore access_store(meta_pool);
  mq::AccessControl access(config.security.accessOptions(), &access_store, *registry,
                           "mq_metaserver");
  try {
    access.loadInitial();
  } catch (const std::exception& e) {
    return fail("cannot read access tokens from " + meta_target.describe() + ": " + e.what());
  }
  mq::AccessAdmin access_admin(access_store, audit);
  if (!config.security.bootstrap_token_file.empty()) {
    try {
      if (access_admin.ensureBootstrapAdmin(config.security.bootstrap_token_file)) {
        access.loadInitial();
        mq::logInfo("issued the bootstrap admin token")
            .kv("token", "bootstrap-admin")
            .kv("secret_file", config.security.bootstrap_token_file);
      }
    } catch (const std::exception& e) {
      return fail(std::string("cannot issue the bootstrap admin token: ") + e.what());
    }
  }
  // Rate quotas (docs/security.md#quotas): stored here, enforced by the brokers.
  mq::QuotaStore quota_store(meta_pool);
  mq::QuotaAdmin quota_admin(quota_store, meta, audit);

  // Retry and dead-letter topics of consumer groups (docs/dead-letters.md); replays go
  // through a broker, found through this metaserver's own MetaService.
  mq::BrokerGateway dead_letter_brokers(
      mq::portalBrokerClient(config.host, config.port, config.security));
  mq::DeadLetterService dead_letters(config.dead_letters, meta_pool, topics, datanodes,
                                     dead_letter_brokers, audit);
  mq::DatanodeFailover failover(meta, datanodes, audit, config.broker_timeout_ms);
  // Automatic failover (docs/operations.md): replicas of datanode primaries, and the
  // watchdog that checks the primaries while this process holds its lease.
  mq::DatanodeReplicaStore replica_store(meta_pool);
  mq::DatanodeReplicas replicas(meta, replica_store, audit);
  mq::FailoverMetrics failover_metrics(*registry);
  mq::DatanodeWatchdog watchdog(config.failover, meta, meta_pool, failover, failover_metrics,
                                holder);
  mq::DeadLetterMetrics dead_letter_metrics(dead_letters, *registry);

  // MetaService: the Thrift adapter over the wings above, complete when constructed.
  auto handler = std::make_shared<mq::MetaServiceHandler>(mq::MetaServiceWings{
      meta, topics, datanodes, known_brokers, alerts, lifecycle, dead_letters, failover, replicas,
      access, access_admin, quota_admin, peers, config.cluster_name, &metrics});

  // The portal (docs/portal.md): pages, sign-in and its JSON API. Declared before the HTTP
  // server so that it outlives the server's threads.
  mq::Portal portal(
      config.portal,
      {meta_pool, topics, collector, alerts, audit, dead_letters, datanodes, access_admin,
       quota_admin, lifecycle, known_brokers, peers, config.cluster_name},
      mq::portalBrokerClient(config.host, config.port, config.security));
  try {
    portal.ensureFirstAdmin();
  } catch (const std::exception& e) {
    return fail(std::string("cannot create the first portal admin: ") + e.what());
  }

  // One HTTP port: /metrics, the JSON API and the portal.
  mq::HttpServerOptions http_options;
  http_options.host = config.host;
  http_options.port = config.http_port;
  http_options.threads = 4;
  mq::HttpServer http(http_options);
  http.route("GET", "/metrics",
             mq::metricsHandler(
                 {registry, std::make_shared<mq::ProcessCollector>(), collector.metrics()}));
  portal.registerRoutes(http);
  mq::registerLagApi(http, collector, alerts, portal.groupDetailsHandler(),
                     portal.alertChangeCheck());
  try {
    http.start();
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  mq::RpcServer rpc(std::make_shared<mq::rpc::MetaServiceProcessor>(handler), config.host,
                    config.port, {}, {}, tls);
  try {
    rpc.start();
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  mq::BrokerReaper reaper(meta, config.broker_timeout_ms);
  mq::ClusterGauges gauges(meta, metrics, known_brokers);
  reaper.start();
  gauges.start();
  webhooks.start();
  collector.start();
  retention.start();
  retirer.start();
  dead_letter_metrics.start();
  access.start();
  watchdog.start();
  peers.start();

  mq::logInfo("metaserver listening")
      .kv("host", config.host)
      .kv("port", config.port)
      .kv("http_port", config.http_port)
      .kv("meta_db", meta_target.describe())
      .kv("broker_timeout_ms", config.broker_timeout_ms)
      .kv("lag_interval_ms", config.lag.interval_ms)
      .kv("auth", config.security.auth)
      .kv("tls", config.security.tls.enabled)
      .kv("tls_client_cert_required", config.security.tls.require_client_cert)
      .kv("failover_auto", config.failover.automatic)
      .kv("failover_detection_ms", config.failover.detection_ms);

  const int signal = shutdown.wait();
  mq::logInfo("metaserver stopping").kv("signal", signal);
  rpc.stop();
  http.stop();
  peers.stop();
  watchdog.stop();
  access.stop();
  dead_letter_metrics.stop();
  collector.stop();
  retention.stop();
  retirer.stop();
  webhooks.stop();
  gauges.stop();
  reaper.stop();
  mq::logInfo("metaserver stopped");
  return 0;
}
