// mqctl topic|datanode|broker: administration through the metaserver.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "client/host_port.h"
#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/options.h"
#include "server/security_config.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::DatanodeInfo;
using mq::client::NewDatanode;
using mq::client::NewTopic;
using mq::client::parseHostPort;
using mq::client::RebuildReplicaRequest;
using mq::client::TopicInfo;

namespace mq::mqctl {

namespace {

JsonObject topicJson(const TopicInfo& topic, bool with_partitions) {
  JsonObject json;
  json.text("name", topic.name)
      .number("id", topic.id)
      .number("partition_count", static_cast<int64_t>(topic.partitions.size()))
      .number("retention_ms", topic.retention_ms)
      .text("owner", topic.owner_team)
      .text("description", topic.description)
      .number("created_ms", topic.created_ms);
  if (with_partitions) {
    std::vector<JsonObject> partitions;
    for (const auto& p : topic.partitions) {
      JsonObject partition;
      partition.number("partition", p.partition)
          .number("datanode_id", p.datanode_id)
          .boolean("writable", p.writable)
          .text("table", p.table_name);
      partitions.push_back(partition);
    }
    json.array("partitions", partitions);
  }
  return json;
}

// Never includes a password: DatanodeInfo has none, and nothing here adds one.
JsonObject datanodeJson(const DatanodeInfo& datanode) {
  JsonObject json;
  json.number("id", datanode.id)
      .text("name", datanode.name)
      .text("host", datanode.host)
      .number("port", datanode.port)
      .text("database", datanode.database_name)
      .text("user", datanode.user)
      .number("partition_count", datanode.partition_count)
      .boolean("healthy", datanode.healthy)
      .text("status", datanode.status_message)
      .number("epoch", datanode.epoch)
      .text("replication", datanode.replication);
  std::vector<JsonObject> replicas;
  for (const auto& replica : datanode.replicas) {
    replicas.push_back(JsonObject()
                           .text("host", replica.host)
                           .number("port", replica.port)
                           .text("state", replica.state)
                           .number("added_ms", replica.added_ms));
  }
  json.array("replicas", replicas);
  return json;
}

// host:port of every replica, a stale one marked: "h:1, h:2 (stale)", or "-".
std::string replicasText(const DatanodeInfo& datanode) {
  std::string text;
  for (const auto& replica : datanode.replicas) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{}:{}{}", replica.host, replica.port,
                        replica.state == "replica" ? "" : " (" + replica.state + ")");
  }
  return text.empty() ? "-" : text;
}

int topicCreate(const Context& context, const ParsedArgs& args) {
  NewTopic topic;
  topic.name = args.positionals[0];
  auto partitions = args.value("partitions");
  if (!partitions) throw UsageError("--partitions is required");
  topic.partitions = static_cast<int>(parseInteger(*partitions, "--partitions", 1, 100000));
  if (auto retention = args.value("retention")) {
    if (!parseDurationMs(*retention, &topic.retention_ms) || topic.retention_ms == 0) {
      throw UsageError(
          fmt::format("--retention expects a duration like 7d, 12h or 30m, got `{}`", *retention));
    }
  }
  topic.owner_team = args.value("owner").value_or("");
  topic.description = args.value("description").value_or("");
  // Size and count limits are set right after the create (retention-and-lifecycle.md).
  std::optional<int64_t> retention_bytes;
  std::optional<int64_t> retention_messages;
  if (auto value = args.value("retention-bytes")) {
    retention_bytes = parseByteSize(*value, "--retention-bytes", 1);
  }
  if (auto value = args.value("retention-messages")) {
    retention_messages = parseInteger(*value, "--retention-messages", 1, 1LL << 62);
  }
  AdminClient admin(context.adminConfig());
  TopicInfo created = admin.createTopic(topic);
  if (retention_bytes || retention_messages) {
    admin.setRetention(created.name, std::nullopt, retention_bytes, retention_messages);
  }
  if (context.json) {
    printLine(context, topicJson(created, true));
  } else {
    *context.out << fmt::format("created topic `{}` with {} partitions (retention {})\n",
                                created.name, created.partitions.size(),
                                formatDuration(created.retention_ms));
  }
  return 0;
}

int topicList(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  auto topics = admin.listTopics();
  if (context.json) {
    for (const auto& topic : topics) printLine(context, topicJson(topic, false));
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "PARTITIONS", "RETENTION", "OWNER", "DESCRIPTION"}};
  for (const auto& topic : topics) {
    rows.push_back({topic.name, std::to_string(topic.partitions.size()),
                    formatDuration(topic.retention_ms), topic.owner_team, topic.description});
  }
  *context.out << formatTable(rows);
  return 0;
}

int topicDescribe(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  TopicInfo topic = admin.describeTopic(args.positionals[0]);
  if (context.json) {
    printLine(context, topicJson(topic, true));
    return 0;
  }
  *context.out << fmt::format(
      "topic:       {}\nid:          {}\npartitions:  {}\nretention:   {}\nowner:       {}\n"
      "description: {}\ncreated:     {}\n\n",
      topic.name, topic.id, topic.partitions.size(), formatDuration(topic.retention_ms),
      topic.owner_team, topic.description, formatTime(topic.created_ms));
  std::vector<std::vector<std::string>> rows{{"PARTITION", "DATANODE", "WRITABLE", "TABLE"}};
  for (const auto& p : topic.partitions) {
    rows.push_back({std::to_string(p.partition), std::to_string(p.datanode_id),
                    p.writable ? "yes" : "no", p.table_name});
  }
  *context.out << formatTable(rows);
  return 0;
}

int topicDelete(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  // Refused while groups consume the topic unless --force (retention-and-lifecycle.md).
  auto deleted = admin.deleteTopic(args.positionals[0], args.has("force"));
  if (context.json) {
    printLine(context, JsonObject()
                           .text("name", args.positionals[0])
                           .boolean("deleted", true)
                           .number("tables_dropped_after_ms", deleted.drop_after_ms));
  } else {
    *context.out << fmt::format("deleted topic `{}`; its {} tables are dropped after {}\n",
                                args.positionals[0], deleted.tables.size(),
                                formatTime(deleted.drop_after_ms));
  }
  return 0;
}

int topicAddPartitions(const Context& context, const ParsedArgs& args) {
  auto count = args.value("count");
  if (!count) throw UsageError("--count is required");
  AdminClient admin(context.adminConfig());
  TopicInfo topic = admin.addPartitions(
      args.positionals[0], static_cast<int>(parseInteger(*count, "--count", 1, 100000)));
  if (context.json) {
    printLine(context, topicJson(topic, true));
  } else {
    *context.out << fmt::format("topic `{}` now has {} partitions\n", topic.name,
                                topic.partitions.size());
  }
  return 0;
}

int datanodeAdd(const Context& context, const ParsedArgs& args) {
  NewDatanode datanode;
  datanode.name = args.positionals[0];
  auto required = [&](const char* flag) {
    auto value = args.value(flag);
    if (!value) throw UsageError(fmt::format("--{} is required", flag));
    return *value;
  };
  datanode.host = required("host");
  datanode.port =
      static_cast<int>(parseInteger(args.value("port").value_or("3306"), "--port", 1, 65535));
  datanode.database_name = required("database");
  datanode.user = required("user");
  datanode.password = args.value("password").value_or("");
  if (datanode.password == "-") {
    // Keeps the password out of the process list and shell history.
    if (!std::getline(*context.in, datanode.password)) {
      throw UsageError("--password - expects the password on stdin");
    }
  }
  AdminClient admin(context.adminConfig());
  DatanodeInfo added = admin.addDatanode(datanode);
  if (context.json) {
    printLine(context, datanodeJson(added));
  } else {
    *context.out << fmt::format("added datanode `{}` (id {}): {}@{}:{}/{}\n", added.name, added.id,
                                added.user, added.host, added.port, added.database_name);
  }
  return 0;
}

int datanodeFailover(const Context& context, const ParsedArgs& args) {
  auto to = args.value("to");
  if (!to) throw UsageError("--to HOST:PORT (the replica to promote) is required");
  std::string problem;
  auto replica = parseHostPort(*to, &problem);
  if (!replica) throw UsageError(fmt::format("--to: {}", problem));
  int64_t timeout_ms = 60000;
  if (auto text = args.value("timeout")) {
    if (!parseDurationMs(*text, &timeout_ms) || timeout_ms <= 0) {
      throw UsageError(fmt::format("--timeout: `{}` is not a positive duration (e.g. 60s)", *text));
    }
  }
  ClientConfig config = context.adminConfig();
  config.request_timeout_ms = std::max(config.request_timeout_ms, timeout_ms + 30000);
  AdminClient admin(config);
  auto result =
      admin.failoverDatanode(args.positionals[0], replica->host, replica->port, timeout_ms);
  if (context.json) {
    JsonObject json = datanodeJson(result.datanode);
    json.text("old_address", result.old_address)
        .boolean("old_primary_fenced", result.old_primary_fenced)
        .text("applied_gtid", result.applied_gtid)
        .number("fence_ms", result.fence_ms)
        .number("catch_up_ms", result.catch_up_ms)
        .number("total_ms", result.total_ms);
    printLine(context, json);
    return 0;
  }
  *context.out << fmt::format(
      "datanode `{}` failed over from {} to {}:{} in {} ms (fence {} ms, {} brokers confirmed; "
      "catch-up {} ms; GTID {}); old primary {}\n",
      result.datanode.name, result.old_address, result.datanode.host, result.datanode.port,
      result.total_ms, result.fence_ms, result.brokers.size(), result.catch_up_ms,
      result.applied_gtid.empty() ? "-" : result.applied_gtid,
      result.old_primary_fenced ? "fenced (read-only, sessions ended)" : "did not answer");
  return 0;
}

int datanodeReplica(const Context& context, const ParsedArgs& args, bool add) {
  std::string problem;
  auto replica = parseHostPort(args.positionals[1], &problem);
  if (!replica) throw UsageError(fmt::format("HOST:PORT: {}", problem));
  AdminClient admin(context.adminConfig());
  auto datanode =
      add ? admin.addDatanodeReplica(args.positionals[0], replica->host, replica->port)
          : admin.removeDatanodeReplica(args.positionals[0], replica->host, replica->port);
  if (context.json) {
    printLine(context, datanodeJson(datanode));
  } else {
    *context.out << fmt::format("datanode `{}`: primary {}:{}, replicas {}\n", datanode.name,
                                datanode.host, datanode.port, replicasText(datanode));
  }
  return 0;
}

// The GTID position a mariadb-backup ends at: the third field of its binlog info file
// (mariadb_backup_binlog_info from MariaDB 11 on, xtrabackup_binlog_info before).
std::string backupGtidPosition(const std::string& dir) {
  for (const char* name : {"mariadb_backup_binlog_info", "xtrabackup_binlog_info"}) {
    std::ifstream file(dir + "/" + name);
    if (!file) continue;
    std::string binlog, offset, gtid;
    if (!(file >> binlog >> offset >> gtid)) {
      throw UsageError(
          fmt::format("--backup-dir: {}/{} holds no GTID position (is the "
                      "primary's binary log on?)",
                      dir, name));
    }
    return gtid;
  }
  throw UsageError(
      fmt::format("--backup-dir: {} has neither mariadb_backup_binlog_info nor "
                  "xtrabackup_binlog_info: is it a prepared mariadb-backup?",
                  dir));
}

int datanodeRebuildReplica(const Context& context, const ParsedArgs& args) {
  std::string problem;
  auto replica = parseHostPort(args.positionals[1], &problem);
  if (!replica) throw UsageError(fmt::format("HOST:PORT: {}", problem));
  RebuildReplicaRequest request;
  request.datanode = args.positionals[0];
  request.host = replica->host;
  request.port = replica->port;
  auto backup = args.value("backup-dir");
  auto gtid = args.value("gtid");
  if (backup.has_value() == gtid.has_value()) {
    throw UsageError("give --backup-dir DIR (the prepared backup) or --gtid POSITION, one of them");
  }
  request.gtid_position = gtid ? *gtid : backupGtidPosition(*backup);
  if (auto user = args.value("replication-user")) {
    auto file = args.value("replication-password-file");
    if (!file) throw UsageError("--replication-user needs --replication-password-file");
    request.replication_user = *user;
    request.replication_password = readSecretFile("--replication-password-file", *file);
  }
  int64_t timeout_ms = 30000;
  if (auto text = args.value("timeout")) {
    if (!parseDurationMs(*text, &timeout_ms) || timeout_ms <= 0) {
      throw UsageError(fmt::format("--timeout: `{}` is not a positive duration (e.g. 30s)", *text));
    }
  }
  request.timeout_ms = static_cast<int32_t>(std::min<int64_t>(timeout_ms, 600000));
  ClientConfig config = context.adminConfig();
  config.request_timeout_ms = std::max(config.request_timeout_ms, timeout_ms + 30000);
  AdminClient admin(config);
  auto datanode = admin.rebuildDatanodeReplica(request);
  if (context.json) {
    printLine(context, datanodeJson(datanode).text("gtid_position", request.gtid_position));
  } else {
    *context.out << fmt::format(
        "{}:{} replicates datanode `{}`'s primary {}:{} from GTID {}; replicas {}\n", replica->host,
        replica->port, datanode.name, datanode.host, datanode.port, request.gtid_position,
        replicasText(datanode));
  }
  return 0;
}

int datanodeAddReplica(const Context& context, const ParsedArgs& args) {
  return datanodeReplica(context, args, true);
}

int datanodeRemoveReplica(const Context& context, const ParsedArgs& args) {
  return datanodeReplica(context, args, false);
}

int datanodeList(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  auto datanodes = admin.listDatanodes();
  if (context.json) {
    for (const auto& datanode : datanodes) printLine(context, datanodeJson(datanode));
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "NAME", "ADDRESS", "DATABASE", "USER",
                                              "PARTITIONS", "HEALTHY", "STATUS", "EPOCH",
                                              "REPLICATION", "REPLICAS"}};
  for (const auto& d : datanodes) {
    rows.push_back({std::to_string(d.id), d.name, fmt::format("{}:{}", d.host, d.port),
                    d.database_name, d.user, std::to_string(d.partition_count),
                    d.healthy ? "yes" : "no", d.status_message, std::to_string(d.epoch),
                    d.replication.empty() ? "-" : d.replication, replicasText(d)});
  }
  *context.out << formatTable(rows);
  return 0;
}

int brokerList(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  auto brokers = admin.listBrokers();
  if (context.json) {
    for (const auto& b : brokers) {
      printLine(context, JsonObject()
                             .text("id", b.id)
                             .text("host", b.host)
                             .number("port", b.port)
                             .number("started_ms", b.started_ms)
                             .number("last_heartbeat_ms", b.last_heartbeat_ms));
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "ADDRESS", "STARTED", "LAST_HEARTBEAT"}};
  for (const auto& b : brokers) {
    rows.push_back({b.id, fmt::format("{}:{}", b.host, b.port), formatTime(b.started_ms),
                    formatTime(b.last_heartbeat_ms)});
  }
  *context.out << formatTable(rows);
  return 0;
}

}  // namespace

std::vector<Command> adminCommands() {
  return {
      {"topic create",
       "NAME",
       "create a topic",
       "Partitions are placed on the registered datanodes (see `datanode add`).",
       {{"partitions", "N", "number of partitions (required)"},
        {"retention", "DURATION", "how long messages are kept: 7d, 12h, 30m (default: 7d)"},
        {"retention-bytes", "BYTES", "also keep at most this much per partition: 512M, 10G"},
        {"retention-messages", "N", "also keep at most this many messages per partition"},
        {"owner", "TEAM", "owning team"},
        {"description", "TEXT", "what the topic carries"}},
       1,
       topicCreate},
      {"topic list", "", "list topics", "", {}, 0, topicList},
      {"topic describe", "NAME", "show a topic and its partitions", "", {}, 1, topicDescribe},
      {"topic delete",
       "NAME",
       "delete a topic and its messages",
       "Refused while a group with members subscribes to it or a group committed on it\n"
       "recently, unless --force. Its tables are dropped after the metaserver's grace period.",
       {{"force", "", "delete even while groups consume it"}},
       1,
       topicDelete},
      {"topic add-partitions",
       "NAME",
       "add partitions to a topic",
       "Keys hash over the partition count, so adding partitions moves keys to other "
       "partitions.",
       {{"count", "N", "number of partitions to add (required)"}},
       1,
       topicAddPartitions},
      {"datanode add",
       "NAME",
       "register a MySQL/MariaDB database that stores partitions",
       "The password is stored by the metaserver for the brokers and never shown again.\n"
       "Use `--password -` to read it from the first line of stdin.",
       {{"host", "HOST", "database host (required)"},
        {"port", "PORT", "database port (default 3306)"},
        {"database", "NAME", "database name (required)"},
        {"user", "USER", "database user (required)"},
        {"password", "PASSWORD", "database password, or - to read it from stdin"}},
       1,
       datanodeAdd},
      {"datanode failover",
       "NAME",
       "promote a datanode's MariaDB replica and point the datanode at it",
       "Fences the datanode (brokers stop using it and confirm), fences the old primary if it\n"
       "still answers, waits until the replica applied everything it received, promotes it\n"
       "(replication stopped, read_only off) and repoints the datanode; brokers follow.\n"
       "With semi-synchronous replication no acknowledged message is lost (docs/operations.md).\n"
       "After a timeout the datanode stays fenced: run the command again.",
       {{"to", "HOST:PORT", "the replica to promote (required)"},
        {"timeout", "DURATION",
         "wait at most this long for brokers and the replica (default 60s)"}},
       1,
       datanodeFailover},
      {"datanode add-replica",
       "NAME HOST:PORT",
       "register a MariaDB replica of a datanode's primary (automatic failover)",
       "The server must answer with the datanode's credentials and replicate (SHOW SLAVE\n"
       "STATUS); the active metaserver may then promote it by itself when the primary fails\n"
       "(docs/operations.md, \"Automatic failover\"). A stale former primary that replicates\n"
       "the new primary again is registered the same way.",
       {},
       2,
       datanodeAddReplica},
      {"datanode rebuild-replica",
       "NAME HOST:PORT",
       "make a server restored from a backup of the primary its replica again",
       "HOST:PORT is a server whose data was replaced with a prepared mariadb-backup of the\n"
       "datanode's current primary (a former primary after a failover, or a new server).\n"
       "The metaserver makes it read-only, points it at the primary from the backup's GTID\n"
       "position (read from --backup-dir, or --gtid), turns semi-sync on at the primary,\n"
       "waits until replication runs and registers it as a replica (docs/operations.md,\n"
       "\"Rebuilding the replica\"). Refused for any datanode's primary.",
       {{"backup-dir", "DIR", "the prepared backup, for its GTID position"},
        {"gtid", "POSITION", "the backup's GTID position, instead of --backup-dir"},
        {"replication-user", "USER", "replicate as this user (default: the datanode's)"},
        {"replication-password-file", "FILE", "the password of --replication-user"},
        {"timeout", "DURATION", "wait at most this long for replication to run (default 30s)"}},
       2,
       datanodeRebuildReplica},
      {"datanode remove-replica",
       "NAME HOST:PORT",
       "forget a replica (or stale former primary) of a datanode",
       "",
       {},
       2,
       datanodeRemoveReplica},
      {"datanode list",
       "",
       "list datanodes, their health, epoch and replicas",
       "",
       {},
       0,
       datanodeList},
      {"broker list", "", "list live brokers", "", {}, 0, brokerList},
  };
}

}  // namespace mq::mqctl
