#include "mirror/mirror_config.h"

#include <cctype>
#include <stdexcept>

#include "common/option_values.h"
#include "server/security_config.h"

namespace mq::mirror {
namespace {

ClientConfig clusterClient(const po::variables_map& values, const std::string& side) {
  ClientConfig c;
  if (!values.count(side + "-metaserver")) {
    throw std::invalid_argument("--" + side + "-metaserver is required");
  }
  c.metaserver = values[side + "-metaserver"].as<std::string>();
  if (values.count(side + "-token-file")) {
    c.token =
        readSecretFile("--" + side + "-token-file", values[side + "-token-file"].as<std::string>());
  }
  c.tls = readClientTlsConfig(values, side + "-");
  c.client_id = "mq-mirror";
  // A mirror is a long-running service: keep trying, back off up to 5 s.
  c.retries = 1000;
  c.retry_backoff_max_ms = 5000;
  return c;
}

}  // namespace

void MirrorConfig::addOptions(po::options_description& options) {
  MirrorConfig d;
  // clang-format off
  options.add_options()
    ("source-metaserver", po::value<std::string>(), "metaserver host:port of the source cluster (required)")
    ("source-token-file", po::value<std::string>(), "file with the access token for the source cluster")
    ("source-cluster", po::value<std::string>()->default_value(""),
     "expected name of the source cluster (refuses to start when its metaserver says otherwise)")
    ("target-metaserver", po::value<std::string>(), "metaserver host:port of the target cluster (required)")
    ("target-token-file", po::value<std::string>(), "file with the access token for the target cluster")
    ("target-cluster", po::value<std::string>()->default_value(""),
     "expected name of the target cluster")
    ("topics", po::value<std::string>()->default_value(""), "topics to copy, exact names, comma-separated")
    ("topic-prefixes", po::value<std::string>()->default_value(""),
     "copy every topic starting with one of these, comma-separated")
    ("group", po::value<std::string>()->default_value(""),
     "the mirrors' consumer group on the source (default mq-mirror.SOURCE.TARGET); mirrors of one "
     "group share the partitions")
    ("checkpoint-groups", po::value<std::string>()->default_value("*"),
     "source groups whose offsets are translated, comma-separated; * = all, empty = none")
    ("checkpoint-interval", po::value<std::string>()->default_value("5s"),
     "how often offset-translation checkpoints are written")
    ("topic-refresh", po::value<std::string>()->default_value("10s"),
     "how often the source is looked at for new matching topics")
    ("start-from", po::value<std::string>()->default_value("earliest"),
     "where a partition without any copy in the target starts: earliest or latest")
    ("session-timeout", po::value<std::string>()->default_value("10s"),
     "a mirror silent this long loses its partitions to the others")
    ("host", po::value<std::string>()->default_value(d.host), "address of /metrics")
    ("metrics-port", po::value<int>()->default_value(d.metrics_port), "HTTP port of /metrics")
    ("log-level", po::value<std::string>()->default_value(d.log_level), "debug, info, warn or error");
  // clang-format on
  addClientTlsOptions(options, "source-");
  addClientTlsOptions(options, "target-");
}

MirrorConfig MirrorConfig::fromValues(const po::variables_map& values) {
  MirrorConfig c;
  c.source = clusterClient(values, "source");
  c.target = clusterClient(values, "target");
  c.source_cluster = values["source-cluster"].as<std::string>();
  c.target_cluster = values["target-cluster"].as<std::string>();
  if (!c.source_cluster.empty() && c.source_cluster == c.target_cluster) {
    throw std::invalid_argument("--source-cluster and --target-cluster must differ");
  }
  c.topics = listOptionValue(values["topics"].as<std::string>());
  c.topic_prefixes = listOptionValue(values["topic-prefixes"].as<std::string>());
  if (c.topics.empty() && c.topic_prefixes.empty()) {
    throw std::invalid_argument("--topics or --topic-prefixes is required");
  }
  c.group = values["group"].as<std::string>();
  c.checkpoint_groups = listOptionValue(values["checkpoint-groups"].as<std::string>());
  c.checkpoint_interval_ms =
      durationOptionMs(values, "checkpoint-interval", c.checkpoint_interval_ms);
  c.topic_refresh_ms = durationOptionMs(values, "topic-refresh", c.topic_refresh_ms);
  c.session_timeout_ms =
      durationOptionMs(values, "session-timeout", c.session_timeout_ms, 1000, 300000);
  const std::string start = values["start-from"].as<std::string>();
  if (start == "earliest") {
    c.start_from = OffsetReset::kEarliest;
  } else if (start == "latest") {
    c.start_from = OffsetReset::kLatest;
  } else {
    throw std::invalid_argument("--start-from must be earliest or latest");
  }
  c.host = values["host"].as<std::string>();
  c.metrics_port = values["metrics-port"].as<int>();
  if (c.metrics_port < 1 || c.metrics_port > 65535) {
    throw std::invalid_argument("--metrics-port must be between 1 and 65535");
  }
  c.log_level = values["log-level"].as<std::string>();
  return c;
}

}  // namespace mq::mirror
