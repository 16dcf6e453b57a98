#include "outbox/relay_config.h"

#include <stdexcept>

#include "common/log.h"
#include "server/security_config.h"

namespace mq {

namespace {

constexpr int64_t kHour = 3600 * 1000;

}  // namespace

const OptionTable<RelayDaemonConfig>& RelayDaemonConfig::optionTable() {
  using C = RelayDaemonConfig;
  static const auto* table =
      &(new OptionTable<C>("outbox-relay"))
           ->text(
               "name", [](auto& c) -> auto& { return c.relay.name; },
               "relay name, 1..64 of [A-Za-z0-9._-], stable across restarts: its producer "
               "name and the rows' claimed_by")
           .required()
           .fieldName("name")
           .text(
               "app-db", [](auto& c) -> auto& { return c.relay.app_db; },
               "the application database with the outbox, "
               "mysql://user:password@host:port/database")
           .required()
           .fieldName("app_db")
           .text(
               "table", [](auto& c) -> auto& { return c.relay.table; },
               "outbox table (also names <table>_history and <table>_relays)")
           .fieldName("table")
           .text(
               "metaserver", [](auto& c) -> auto& { return c.relay.client.metaserver; },
               "metaserver host:port, where the brokers are found (this or brokers required)")
           .fieldName("client.metaserver")
           .list(
               "brokers", [](auto& c) -> auto& { return c.relay.client.bootstrap_brokers; },
               "brokers host:port,...: the only ones without metaserver, else the fallback")
           .fieldName("client.bootstrap_brokers")
           .text("token-file", &C::token_file,
                 "file with the access token sent to brokers with auth on (docs/security.md)")
           .fieldName("client.token")
           .number(
               "batch-size", [](auto& c) -> auto& { return c.relay.batch_size; }, 1, 10000,
               "most rows one claim takes, published as one request")
           .fieldName("batch_size")
           .bytes(
               "max-claim-bytes", [](auto& c) -> auto& { return c.relay.max_claim_bytes; }, 1024,
               8 << 20, "most key+value+header bytes one claim takes")
           .fieldName("max_claim_bytes")
           .duration(
               "poll-interval", [](auto& c) -> auto& { return c.relay.poll_interval_ms; }, 1, kHour,
               "how long an idle relay waits before looking for rows again")
           .fieldName("poll_interval_ms")
           .duration(
               "lease", [](auto& c) -> auto& { return c.relay.lease_ms; }, 100, kHour,
               "how long claims stay the relay's without a heartbeat (renewed every "
               "lease/3); then another relay finishes them")
           .fieldName("lease_ms")
           .number(
               "max-attempts", [](auto& c) -> auto& { return c.relay.max_attempts; }, 1, 1000000,
               "refused publishes of a row before it is marked failed")
           .fieldName("max_attempts")
           .duration(
               "retry-backoff", [](auto& c) -> auto& { return c.relay.retry_backoff_ms; }, 1,
               24 * kHour, "backoff after a row's first refused publish, doubling")
           .fieldName("retry_backoff_ms")
           .duration(
               "retry-backoff-max", [](auto& c) -> auto& { return c.relay.retry_backoff_max_ms; },
               1, 24 * kHour, "upper bound of a row's backoff (at least retry-backoff)")
           .fieldName("retry_backoff_max_ms")
           .choice(
               "on-publish", [](auto& c) -> auto& { return c.relay.on_publish; },
               std::vector<std::pair<std::string, OnPublish>>{{"delete", OnPublish::kDelete},
                                                              {"history", OnPublish::kHistory}},
               "what happens to a published row: deleted, or moved to <table>_history")
           .fieldName("on_publish")
           .bytes(
               "max-message-bytes", [](auto& c) -> auto& { return c.relay.max_message_bytes; }, 1,
               8 << 20, "largest event sent; larger rows are marked failed (match the brokers)")
           .fieldName("max_message_bytes")
           .number(
               "pipeline-depth", [](auto& c) -> auto& { return c.relay.pipeline_depth; }, 1, 16,
               "claims in flight between claiming and deleting")
           .fieldName("pipeline_depth")
           .duration(
               "drain-timeout", [](auto& c) -> auto& { return c.relay.drain_timeout_ms; }, 1, kHour,
               "on SIGTERM: how long to keep publishing what is claimed")
           .fieldName("drain_timeout_ms")
           .duration(
               "request-timeout",
               [](auto& c) -> auto& { return c.relay.client.request_timeout_ms; }, 1, kHour,
               "how long one request to a broker may take")
           .fieldName("client.request_timeout_ms")
           .text("host", &C::host, "address of /metrics")
           .number("metrics-port", &C::metrics_port, 1, 65535, "HTTP port of /metrics")
           .choice("log-level", &C::log_level, logLevelNames(), "least severity logged");
  return *table;
}

void RelayDaemonConfig::addOptions(po::options_description& options) {
  optionTable().addTo(options);
  addClientTlsOptions(options);
}

RelayDaemonConfig RelayDaemonConfig::fromValues(const po::variables_map& values) {
  RelayDaemonConfig c;
  optionTable().read(values, c);
  OutboxRelayConfig& r = c.relay;
  if (r.client.metaserver.empty() && r.client.bootstrap_brokers.empty()) {
    throw std::invalid_argument("--metaserver or --brokers is required");
  }
  r.client.client_id = "mq-outbox-relay:" + r.name;
  if (!c.token_file.empty()) r.client.token = readSecretFile("--token-file", c.token_file);
  r.client.tls = readClientTlsConfig(values);
  // A relay is a long-running service: keep trying (each publish round is one attempt of
  // its own; see docs/outbox.md), back off up to 5 s.
  r.client.retry_backoff_max_ms = 5000;
  if (r.retry_backoff_max_ms < r.retry_backoff_ms) {
    throw std::invalid_argument("--retry-backoff-max must be >= --retry-backoff");
  }
  return c;
}

}  // namespace mq
