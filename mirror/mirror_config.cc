#include "mirror/mirror_config.h"

#include <stdexcept>

#include "common/log.h"
#include "server/security_config.h"

using mq::client::ClientConfig;
using mq::client::OffsetReset;

namespace mq::mirror {
namespace {

constexpr int64_t kHour = 3600 * 1000;

// What a cluster's client needs beyond its options: the token, TLS, and a long-running
// service's retries.
void completeClusterClient(ClientConfig& c, const po::variables_map& values,
                           const std::string& side, const std::string& token_file) {
  if (!token_file.empty()) c.token = readSecretFile("--" + side + "-token-file", token_file);
  c.tls = readClientTlsConfig(values, side + "-");
  c.client_id = "mq-mirror";
  // A mirror is a long-running service: keep trying, back off up to 5 s.
  c.retries = 1000;
  c.retry_backoff_max_ms = 5000;
}

}  // namespace

const OptionTable<MirrorConfig>& MirrorConfig::optionTable() {
  using C = MirrorConfig;
  static const auto* table =
      &(new OptionTable<C>("mirror"))
           ->text(
               "source-metaserver", [](auto& c) -> auto& { return c.source.metaserver; },
               "metaserver host:port of the source cluster")
           .required()
           .text("source-token-file", &C::source_token_file,
                 "file with the access token for the source cluster (auth on)")
           .text("source-cluster", &C::source_cluster,
                 "expected name of the source cluster; empty: any (refuses to start when its "
                 "metaserver says otherwise)")
           .text(
               "target-metaserver", [](auto& c) -> auto& { return c.target.metaserver; },
               "metaserver host:port of the target cluster")
           .required()
           .text("target-token-file", &C::target_token_file,
                 "file with the access token for the target cluster")
           .text("target-cluster", &C::target_cluster,
                 "expected name of the target cluster; empty: any")
           .list("topics", &C::topics, "topics to copy, exact names, comma-separated")
           .list("topic-prefixes", &C::topic_prefixes,
                 "copy every topic starting with one of these, comma-separated (this or topics "
                 "required)")
           .text("group", &C::group,
                 "the mirrors' consumer group on the source; mirrors of one group share the "
                 "partitions")
           .derivedDefault("mq-mirror.SOURCE.TARGET")
           .list("checkpoint-groups", &C::checkpoint_groups,
                 "source groups whose offsets are translated, comma-separated; * = all but the "
                 "mirror's, empty = none")
           .duration("checkpoint-interval", &C::checkpoint_interval_ms, 100, kHour,
                     "how often offset-translation checkpoints are written")
           .duration("topic-refresh", &C::topic_refresh_ms, 100, kHour,
                     "how often the source is looked at for new matching topics and partitions")
           .choice("start-from", &C::start_from,
                   std::vector<std::pair<std::string, OffsetReset>>{
                       {"earliest", OffsetReset::kEarliest}, {"latest", OffsetReset::kLatest}},
                   "where a partition without any copy in the target starts")
           .duration("session-timeout", &C::session_timeout_ms, 1000, 300000,
                     "a mirror silent this long loses its partitions to the others")
           .text("host", &C::host, "address of /metrics")
           .number("metrics-port", &C::metrics_port, 1, 65535, "HTTP port of /metrics")
           .choice("log-level", &C::log_level, logLevelNames(), "least severity logged");
  return *table;
}

void MirrorConfig::addOptions(po::options_description& options) {
  optionTable().addTo(options);
  addClientTlsOptions(options, "source-");
  addClientTlsOptions(options, "target-");
}

MirrorConfig MirrorConfig::fromValues(const po::variables_map& values) {
  MirrorConfig c;
  optionTable().read(values, c);
  completeClusterClient(c.source, values, "source", c.source_token_file);
  completeClusterClient(c.target, values, "target", c.target_token_file);
  if (!c.source_cluster.empty() && c.source_cluster == c.target_cluster) {
    throw std::invalid_argument("--source-cluster and --target-cluster must differ");
  }
  if (c.topics.empty() && c.topic_prefixes.empty()) {
    throw std::invalid_argument("--topics or --topic-prefixes is required");
  }
  return c;
}

}  // namespace mq::mirror
