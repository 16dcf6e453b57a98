// mqctl cluster info: the cluster's identity (its name, docs/multi-cluster.md) and size;
// mqctl cluster peers: the peer clusters its metaserver knows.
// mqctl group translate-offsets: moves a consumer group to this cluster from another one,
// with the checkpoints mq-mirror wrote here.
#include <fmt/format.h>

#include <algorithm>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/clock.h"
#include "mirror/checkpoint.h"

using mq::client::AdminClient;
using mq::client::ConsumerGroupAdmin;
using mq::client::Error;
using mq::client::TopicPartition;

namespace mq::mqctl {

namespace {

int clusterInfo(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  const std::string name = admin.clusterName();
  const auto brokers = admin.listBrokers();
  const auto topics = admin.listTopics();
  if (context.json) {
    *context.out << JsonObject()
                        .text("name", name)
                        .text("metaserver", context.metaserver)
                        .number("brokers", static_cast<int64_t>(brokers.size()))
                        .number("topics", static_cast<int64_t>(topics.size()))
                        .str()
                 << "\n";
    return 0;
  }
  *context.out << formatTable({{"NAME", "METASERVER", "BROKERS", "TOPICS"},
                               {name.empty() ? "-" : name, context.metaserver,
                                std::to_string(brokers.size()), std::to_string(topics.size())}});
  return 0;
}

int clusterPeers(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  const auto peers = admin.listPeerClusters();
  const int64_t now = nowMs();
  if (context.json) {
    for (const auto& p : peers) {
      *context.out << JsonObject()
                          .text("name", p.name)
                          .text("metaserver", p.metaserver)
                          .boolean("tls", p.tls)
                          .boolean("token", p.token)
                          .boolean("reachable", p.reachable)
                          .text("problem", p.problem)
                          .number("checked_at_ms", p.checked_at_ms)
                          .str()
                   << "\n";
    }
    return 0;
  }
  if (peers.empty()) {
    *context.out << "no peer clusters (the metaserver's peer-cluster option names them)\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "METASERVER", "TLS", "TOKEN", "STATUS", "CHECKED"}};
  for (const auto& p : peers) {
    const std::string status = p.checked_at_ms == 0 ? "not checked yet"
                               : p.reachable        ? "reachable"
                                                    : "unreachable: " + p.problem;
    rows.push_back({p.name, p.metaserver, p.tls ? "yes" : "no", p.token ? "yes" : "no", status,
                    p.checked_at_ms == 0
                        ? "-"
                        : formatDuration(std::max<int64_t>(0, now - p.checked_at_ms)) + " ago"});
  }
  *context.out << formatTable(rows);
  return 0;
}

int groupTranslateOffsets(const Context& context, const ParsedArgs& args) {
  const std::string group = args.positionals[0];
  auto from = args.value("from-cluster");
  auto to = args.value("to-cluster");
  if (!from || from->empty()) throw UsageError("--from-cluster is required");
  if (!to || to->empty()) throw UsageError("--to-cluster is required");
  if (*from == *to) throw UsageError("--from-cluster and --to-cluster must differ");
  AdminClient admin(context.adminConfig());
  const std::string here = admin.clusterName();
  if (here != *to) {
    throw Error(client::ErrorCode::INVALID_REQUEST,
                fmt::format("--metaserver {} serves cluster `{}`, not `{}` (--to-cluster): "
                            "point mqctl at the cluster the group moves to",
                            context.metaserver, here, *to),
                false);
  }
  std::map<TopicPartition, mirror::Checkpoint> checkpoints;
  try {
    checkpoints = mirror::latestCheckpoints(context.adminConfig(), *from, group);
  } catch (const Error& e) {
    if (e.code() != client::ErrorCode::UNKNOWN_TOPIC) throw;
  }
  if (checkpoints.empty()) {
    throw Error(client::ErrorCode::UNKNOWN_GROUP,
                fmt::format("cluster `{}` holds no checkpoint of group `{}` from cluster `{}` "
                            "(is an mq-mirror copying {} -> {} with the group in "
                            "--checkpoint-groups?)",
                            *to, group, *from, *from, *to),
                false);
  }
  std::map<TopicPartition, int64_t> offsets;
  for (const auto& [tp, checkpoint] : checkpoints) offsets[tp] = checkpoint.target_offset;
  const bool dry_run = args.has("dry-run");
  if (!dry_run) ConsumerGroupAdmin(context.dataConfig()).resetOffsets(group, offsets);

  const int64_t now = nowMs();
  if (context.json) {
    for (const auto& [tp, c] : checkpoints) {
      *context.out << JsonObject()
                          .text("group", group)
                          .text("topic", tp.topic)
                          .number("partition", tp.partition)
                          .number("source_offset", c.source_offset)
                          .number("target_offset", c.target_offset)
                          .number("checkpoint_time_ms", c.time_ms)
                          .boolean("applied", !dry_run)
                          .str()
                   << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"TOPIC", "PARTITION", "OFFSET-IN-" + *from, "OFFSET-IN-" + *to, "CHECKPOINT-AGE"}};
  for (const auto& [tp, c] : checkpoints) {
    rows.push_back({tp.topic, std::to_string(tp.partition), std::to_string(c.source_offset),
                    std::to_string(c.target_offset),
                    formatDuration(std::max<int64_t>(0, now - c.time_ms))});
  }
  *context.out << formatTable(rows);
  *context.out << (dry_run ? "dry run: nothing changed\n"
                           : fmt::format("group `{}` set to these offsets in `{}`\n", group, *to));
  return 0;
}

}  // namespace

std::vector<Command> clusterCommands() {
  return {
      {"cluster info",
       "",
       "show the cluster's name, live brokers and topics",
       "The name is the metaserver's cluster-name (docs/multi-cluster.md): mirrors write it\n"
       "into provenance headers and checkpoints, `group translate-offsets` checks it.",
       {},
       0,
       clusterInfo},
      {"cluster peers",
       "",
       "list the peer clusters the metaserver knows and whether each answers",
       "The metaserver's peer-cluster options name them (docs/multi-cluster.md); every\n"
       "peer-check-interval it asks each peer's metaserver for its name: a peer is reachable\n"
       "when it answers under the name it is configured with.",
       {},
       0,
       clusterPeers},
      {"group translate-offsets",
       "GROUP",
       "move a group here from another cluster, with mq-mirror's checkpoints",
       "Reads the checkpoints an mq-mirror copying --from-cluster into this cluster wrote\n"
       "(topic mq-mirror.checkpoints) and sets GROUP's committed offsets here to the newest\n"
       "one of each partition: the group re-reads at most what the mirror copied in one\n"
       "checkpoint interval and skips nothing. --metaserver must point at --to-cluster.\n"
       "Refused (GROUP_NOT_EMPTY) while the group has members here: start its consumers on\n"
       "this cluster after the command (docs/multi-cluster.md has the runbook).",
       {{"from-cluster", "NAME", "the cluster the group consumed in (required)"},
        {"to-cluster", "NAME", "this cluster's name, as a check (required)"},
        {"dry-run", "", "print the offsets without changing anything"}},
       1,
       groupTranslateOffsets},
  };
}

}  // namespace mq::mqctl
