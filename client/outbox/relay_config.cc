#include "client/outbox/relay_config.h"

#include <stdexcept>

#include "common/option_values.h"
#include "server/security_config.h"

namespace mq {

void RelayDaemonConfig::addOptions(po::options_description& options) {
  RelayDaemonConfig d;
  const OutboxRelayConfig& r = d.relay;
  // clang-format off
  options.add_options()
    ("name", po::value<std::string>(),
     "relay name, stable across restarts (required): its producer name and claim owner")
    ("app-db", po::value<std::string>(),
     "application database with the outbox, mysql://user:password@host:port/database "
     "(required)")
    ("table", po::value<std::string>()->default_value(r.table),
     "outbox table (also names <table>_history and <table>_relays)")
    ("metaserver", po::value<std::string>(), "metaserver host:port (discovers the brokers)")
    ("brokers", po::value<std::string>(),
     "brokers host:port,... (the only brokers without --metaserver, else the fallback)")
    ("token-file", po::value<std::string>(),
     "file with the access token sent to brokers with auth on (docs/security.md)")
    ("batch-size", po::value<int>()->default_value(r.batch_size),
     "most rows one claim takes (1..10000)")
    ("max-claim-bytes", po::value<int64_t>()->default_value(r.max_claim_bytes),
     "most key+value+header bytes one claim takes")
    ("poll-interval", po::value<std::string>()->default_value("100ms"),
     "how long an idle relay waits before looking for rows again")
    ("lease", po::value<std::string>()->default_value("10s"),
     "how long claims stay the relay's without a heartbeat; then another relay finishes them")
    ("max-attempts", po::value<int>()->default_value(r.max_attempts),
     "refused publishes of a row before it is marked failed")
    ("retry-backoff", po::value<std::string>()->default_value("1s"),
     "backoff after a row's first refused publish (doubling)")
    ("retry-backoff-max", po::value<std::string>()->default_value("60s"),
     "upper bound of a row's backoff")
    ("on-publish", po::value<std::string>()->default_value("delete"),
     "what happens to a published row: delete, or history (moved to <table>_history)")
    ("max-message-bytes", po::value<int64_t>()->default_value(r.max_message_bytes),
     "largest event sent; larger rows are marked failed (match the brokers)")
    ("pipeline-depth", po::value<int>()->default_value(r.pipeline_depth),
     "claims in flight between claiming and deleting (1..16)")
    ("drain-timeout", po::value<std::string>()->default_value("10s"),
     "on SIGTERM: how long to keep publishing what is claimed")
    ("request-timeout", po::value<std::string>()->default_value("30s"),
     "how long one request to a broker may take")
    ("host", po::value<std::string>()->default_value(d.host), "address of /metrics")
    ("metrics-port", po::value<int>()->default_value(d.metrics_port), "HTTP port of /metrics")
    ("log-level", po::value<std::string>()->default_value(d.log_level),
     "debug, info, warn or error");
  // clang-format on
  addClientTlsOptions(options);
}

RelayDaemonConfig RelayDaemonConfig::fromValues(const po::variables_map& values) {
  RelayDaemonConfig c;
  OutboxRelayConfig& r = c.relay;
  if (!values.count("name")) throw std::invalid_argument("--name is required");
  if (!values.count("app-db")) throw std::invalid_argument("--app-db is required");
  r.name = values["name"].as<std::string>();
  r.app_db = values["app-db"].as<std::string>();
  r.table = values["table"].as<std::string>();
  if (values.count("metaserver")) r.client.metaserver = values["metaserver"].as<std::string>();
  if (values.count("brokers"))
    r.client.bootstrap_brokers = listOptionValue(values["brokers"].as<std::string>());
  if (r.client.metaserver.empty() && r.client.bootstrap_brokers.empty()) {
    throw std::invalid_argument("--metaserver or --brokers is required");
  }
  r.client.client_id = "mq-outbox-relay:" + r.name;
  if (values.count("token-file")) {
    r.client.token = readSecretFile("--token-file", values["token-file"].as<std::string>());
  }
  r.client.tls = readClientTlsConfig(values);
  // A relay is a long-running service: keep trying (each publish round is one attempt of
  // its own; see docs/outbox.md), back off up to 5 s.
  r.client.request_timeout_ms = durationOptionMs(values, "request-timeout", 0);
  r.client.retry_backoff_max_ms = 5000;
  r.batch_size = values["batch-size"].as<int>();
  checkOptionRange("batch-size", r.batch_size, 1, 10000);
  r.max_claim_bytes = values["max-claim-bytes"].as<int64_t>();
  checkOptionRange("max-claim-bytes", r.max_claim_bytes, 1024, 8 << 20);
  r.poll_interval_ms = durationOptionMs(values, "poll-interval", 0);
  r.lease_ms = durationOptionMs(values, "lease", 0, 100, 3600000);
  r.max_attempts = values["max-attempts"].as<int>();
  checkOptionRange("max-attempts", r.max_attempts, 1, 1000000);
  r.retry_backoff_ms = durationOptionMs(values, "retry-backoff", 0);
  r.retry_backoff_max_ms = durationOptionMs(values, "retry-backoff-max", 0);
  if (r.retry_backoff_max_ms < r.retry_backoff_ms) {
    throw std::invalid_argument("--retry-backoff-max must be >= --retry-backoff");
  }
  const std::string on_publish = values["on-publish"].as<std::string>();
  if (on_publish == "delete") {
    r.on_publish = OnPublish::kDelete;
  } else if (on_publish == "history") {
    r.on_publish = OnPublish::kHistory;
  } else {
    throw std::invalid_argument("--on-publish must be delete or history");
  }
  r.max_message_bytes = values["max-message-bytes"].as<int64_t>();
  checkOptionRange("max-message-bytes", r.max_message_bytes, 1, 8 << 20);
  r.pipeline_depth = values["pipeline-depth"].as<int>();
  checkOptionRange("pipeline-depth", r.pipeline_depth, 1, 16);
  r.drain_timeout_ms = durationOptionMs(values, "drain-timeout", 0);
  c.host = values["host"].as<std::string>();
  c.metrics_port = values["metrics-port"].as<int>();
  checkOptionRange("metrics-port", c.metrics_port, 1, 65535);
  c.log_level = values["log-level"].as<std::string>();
  return c;
}

}  // namespace mq
