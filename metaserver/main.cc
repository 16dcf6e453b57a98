// mq-metaserver: the control plane. Applies the metadata and datanode schemas, serves
// MetaService over Thrift and /metrics over HTTP, reaps silent brokers, and exits 0 on
// SIGTERM/SIGINT after stopping the RPC server and its background threads. Start-up
// failures print one `error: ...` line on stderr (never a password) and exit 1; a bad
// option exits 2.

#include <iostream>
#include <memory>

#include "common/db_pool.h"
#include "common/embedded_sql.h"
#include "common/log.h"
#include "common/meta_store.h"
#include "common/metrics.h"
#include "common/migrations.h"
#include "common/rpc_server.h"
#include "common/shutdown_signal.h"
#include "metaserver/audit_trail.h"
#include "metaserver/broker_reaper.h"
#include "metaserver/cluster_gauges.h"
#include "metaserver/datanode_registry.h"
#include "metaserver/meta_metrics.h"
#include "metaserver/meta_service_handler.h"
#include "metaserver/metaserver_config.h"
#include "metaserver/topic_service.h"

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
  mq::LogLevel level = mq::LogLevel::kInfo;
  mq::parseLogLevel(config.log_level, &level);  // validated by parseMetaserverConfig
  mq::setLogLevel(level);
  mq::setLogComponent("metaserver");

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

  std::unique_ptr<mq::MetricsEndpoint> metrics_endpoint;
  try {
    metrics_endpoint = std::make_unique<mq::MetricsEndpoint>(config.host, config.http_port);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  mq::MetaMetrics metrics(metrics_endpoint->registry());

  auto handler = std::make_shared<mq::MetaServiceHandler>(meta, topics, datanodes,
                                                          config.broker_timeout_ms, &metrics);
  mq::RpcServer rpc(std::make_shared<mq::rpc::MetaServiceProcessor>(handler), config.host,
                    config.port);
  try {
    rpc.start();
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  mq::BrokerReaper reaper(meta, config.broker_timeout_ms);
  mq::ClusterGauges gauges(meta, metrics, config.broker_timeout_ms);
  reaper.start();
  gauges.start();

  mq::logInfo("metaserver listening")
      .kv("host", config.host)
      .kv("port", config.port)
      .kv("http_port", config.http_port)
      .kv("meta_db", meta_target.describe())
      .kv("broker_timeout_ms", config.broker_timeout_ms);

  const int signal = shutdown.wait();
  mq::logInfo("metaserver stopping").kv("signal", signal);
  rpc.stop();
  gauges.stop();
  reaper.stop();
  mq::logInfo("metaserver stopped");
  return 0;
}
