// mqctl topic set-retention|lifecycle, partition read-only|writable|migrate, datanode
// decommission|lifecycle, retention resets: retention and the partition lifecycle through
// the metaserver (docs/retention-and-lifecycle.md).
#include <fmt/format.h>

#include <cctype>
#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/options.h"

using mq::client::AdminClient;
using mq::client::DatanodeLifecycle;
using mq::client::PartitionLifecycle;
using mq::client::TopicRetention;

namespace mq::mqctl {

// "1073741824", "512M", "10G", "2T" (binary multiples); at least `min`.
int64_t parseByteSize(const std::string& text, const std::string& what, int64_t min) {
  std::string digits = text;
  int64_t multiplier = 1;
  if (!digits.empty() && std::isalpha(static_cast<unsigned char>(digits.back()))) {
    switch (std::toupper(static_cast<unsigned char>(digits.back()))) {
      case 'K':
        multiplier = 1LL << 10;
        break;
      case 'M':
        multiplier = 1LL << 20;
        break;
      case 'G':
        multiplier = 1LL << 30;
        break;
      case 'T':
        multiplier = 1LL << 40;
        break;
      default:
        throw UsageError(
            fmt::format("{} expects bytes such as 1073741824, 512M or 10G, got `{}`", what, text));
    }
    digits.pop_back();
  }
  return parseInteger(digits, what, min, (1LL << 62) / multiplier) * multiplier;
}

namespace {

std::string limitText(int64_t value) { return value > 0 ? std::to_string(value) : "-"; }

JsonObject retentionJson(const TopicRetention& retention) {
  JsonObject json;
  json.text("topic", retention.topic)
      .number("retention_ms", retention.retention_ms)
      .number("retention_bytes", retention.retention_bytes)
      .number("retention_messages", retention.retention_messages);
  return json;
}

JsonObject partitionJson(const PartitionLifecycle& p) {
  JsonObject json;
  json.text("topic", p.topic)
      .number("partition", p.partition)
      .number("datanode_id", p.datanode_id)
      .text("datanode", p.datanode_name)
      .text("state", p.state)
      .boolean("writable", p.writable)
      .text("table", p.table_name)
      .number("start_offset", p.start_offset)
      .number("end_offset", p.end_offset)
      .number("replaced_by", p.replaced_by)
      .number("state_changed_ms", p.state_changed_ms)
      .number("drop_after_ms", p.drop_after_ms)
      .boolean("table_dropped", p.table_dropped)
      .number("segments", p.segments)
      .number("size_bytes", p.size_bytes)
      .text("error", p.error);
  return json;
}

JsonObject datanodeJson(const DatanodeLifecycle& d) {
  JsonObject json;
  std::vector<JsonObject> migrated;
  for (const auto& line : d.migrated) migrated.push_back(JsonObject().text("move", line));
  json.number("id", d.id)
      .text("name", d.name)
      .text("state", d.state)
      .number("active_partitions", d.active_partitions)
      .number("read_only_partitions", d.read_only_partitions)
      .number("tables_to_drop", d.tables_to_drop)
      .array("migrated", migrated);
  return json;
}

std::string partitionLine(const PartitionLifecycle& p) {
  return fmt::format(
      "partition {} of `{}`: {} on datanode `{}`, offsets {}..{}{}", p.partition, p.topic, p.state,
      p.datanode_name, p.start_offset, p.end_offset,
      p.replaced_by >= 0 ? fmt::format(", replaced by partition {}", p.replaced_by) : "");
}

int partitionNumber(const ParsedArgs& args) {
  return static_cast<int>(parseInteger(args.positionals[1], "PARTITION", 0, 1 << 20));
}

int topicSetRetention(const Context& context, const ParsedArgs& args) {
  std::optional<int64_t> retention_ms;
  std::optional<int64_t> bytes;
  std::optional<int64_t> messages;
  if (auto retention = args.value("retention")) {
    int64_t ms = 0;
    if (!parseDurationMs(*retention, &ms) || ms <= 0) {
      throw UsageError(
          fmt::format("--retention expects a duration like 7d, 12h or 30m, got `{}`", *retention));
    }
    retention_ms = ms;
  }
  if (auto value = args.value("bytes")) bytes = parseByteSize(*value, "--bytes", 0);
  if (auto value = args.value("messages")) {
    messages = parseInteger(*value, "--messages", 0, 1LL << 62);
  }
  if (!retention_ms && !bytes && !messages) {
    throw UsageError("give at least one of --retention, --bytes, --messages");
  }
  AdminClient admin(context.adminConfig());
  auto result = admin.setRetention(args.positionals[0], retention_ms, bytes, messages);
  if (context.json) {
    printLine(context, retentionJson(result));
  } else {
    *context.out << fmt::format(
        "topic `{}`: retention {}, at most {} bytes and {} messages per partition\n", result.topic,
        formatDuration(result.retention_ms), limitText(result.retention_bytes),
        limitText(result.retention_messages));
  }
  return 0;
}

int topicLifecycle(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto result = admin.describeTopicLifecycle(args.positionals[0]);
  if (context.json) {
    std::vector<JsonObject> partitions;
    for (const auto& p : result.partitions) partitions.push_back(partitionJson(p));
    printLine(context, retentionJson(result.retention).array("partitions", partitions));
    return 0;
  }
  const auto& r = result.retention;
  *context.out << fmt::format(
      "topic:      {}\nretention:  {}\nmax bytes:  {} per partition\nmax count:  {} per "
      "partition\n\n",
      r.topic, formatDuration(r.retention_ms), limitText(r.retention_bytes),
      limitText(r.retention_messages));
  std::vector<std::vector<std::string>> rows{{"PARTITION", "STATE", "DATANODE", "START", "END",
                                              "SEGMENTS", "SIZE_BYTES", "REPLACED_BY", "TABLE",
                                              "NOTE"}};
  for (const auto& p : result.partitions) {
    std::string note = p.error;
    if (note.empty() && p.drop_after_ms > 0) {
      note =
          p.table_dropped ? "table dropped" : "table dropped after " + formatTime(p.drop_after_ms);
    }
    rows.push_back({std::to_string(p.partition), p.state, p.datanode_name,
                    std::to_string(p.start_offset), std::to_string(p.end_offset),
                    p.segments > 0 ? std::to_string(p.segments) : "-",
                    p.size_bytes >= 0 ? std::to_string(p.size_bytes) : "-",
                    p.replaced_by >= 0 ? std::to_string(p.replaced_by) : "-", p.table_name, note});
  }
  *context.out << formatTable(rows);
  return 0;
}

int partitionSetReadOnly(const Context& context, const ParsedArgs& args, bool read_only) {
  AdminClient admin(context.adminConfig());
  auto result = admin.setPartitionReadOnly(args.positionals[0], partitionNumber(args), read_only);
  if (context.json) {
    printLine(context, partitionJson(result));
  } else {
    *context.out << partitionLine(result) << "\n";
  }
  return 0;
}

int partitionReadOnly(const Context& context, const ParsedArgs& args) {
  return partitionSetReadOnly(context, args, true);
}

int partitionWritable(const Context& context, const ParsedArgs& args) {
  return partitionSetReadOnly(context, args, false);
}

int partitionMigrate(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto result = admin.migratePartition(args.positionals[0], partitionNumber(args),
                                       args.value("to").value_or(""));
  if (context.json) {
    printLine(context, JsonObject()
                           .object("old_partition", partitionJson(result.old_partition))
                           .object("new_partition", partitionJson(result.new_partition)));
  } else {
    *context.out << fmt::format(
        "partition {} of `{}` is read-only; new writes go to partition {} on datanode `{}`.\n"
        "It is retired once every group has consumed it to offset {} or beyond.\n",
        result.old_partition.partition, result.old_partition.topic, result.new_partition.partition,
        result.new_partition.datanode_name, result.old_partition.end_offset);
  }
  return 0;
}

int datanodeDecommission(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto result = admin.decommissionDatanode(args.positionals[0]);
  if (context.json) {
    printLine(context, datanodeJson(result));
    return 0;
  }
  for (const auto& line : result.migrated) *context.out << "migrated " << line << "\n";
  *context.out << fmt::format(
      "datanode `{}` is {}: {} active and {} read-only partitions, {} tables to drop\n",
      result.name, result.state, result.active_partitions, result.read_only_partitions,
      result.tables_to_drop);
  return 0;
}

int datanodeLifecycle(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  auto states = admin.listDatanodeLifecycle();
  if (context.json) {
    for (const auto& d : states) printLine(context, datanodeJson(d));
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"ID", "NAME", "STATE", "ACTIVE", "READ_ONLY", "TABLES_TO_DROP"}};
  for (const auto& d : states) {
    rows.push_back({std::to_string(d.id), d.name, d.state, std::to_string(d.active_partitions),
                    std::to_string(d.read_only_partitions), std::to_string(d.tables_to_drop)});
  }
  *context.out << formatTable(rows);
  return 0;
}

int retentionResets(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  int limit =
      static_cast<int>(parseInteger(args.value("limit").value_or("100"), "--limit", 1, 1000));
  auto events = admin.listOffsetResetEvents(args.value("group").value_or(""),
                                            args.value("topic").value_or(""), limit);
  if (context.json) {
    for (const auto& e : events) {
      printLine(context, JsonObject()
                             .number("id", e.id)
                             .number("at_ms", e.at_ms)
                             .text("group", e.group_id)
                             .text("topic", e.topic)
                             .number("partition", e.partition)
                             .number("old_offset", e.old_offset)
                             .number("new_offset", e.new_offset)
                             .text("policy", e.policy)
                             .text("reason", e.reason));
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"TIME", "GROUP", "TOPIC", "PARTITION", "OLD_OFFSET", "NEW_OFFSET", "POLICY", "REASON"}};
  for (const auto& e : events) {
    rows.push_back({formatTime(e.at_ms), e.group_id, e.topic, std::to_string(e.partition),
                    std::to_string(e.old_offset), std::to_string(e.new_offset), e.policy,
                    e.reason});
  }
  *context.out << formatTable(rows);
  return 0;
}

}  // namespace

std::vector<Command> lifecycleCommands() {
  return {
      {"topic set-retention",
       "NAME",
       "change how long or how much a topic keeps",
       "Messages older than --retention are removed, and per partition everything beyond the\n"
       "newest --bytes (approximate, whole segments) or --messages. 0 removes a limit.\n"
       "Retention removes whole table segments, so a partition may keep up to one segment\n"
       "more than asked. A group whose committed offset falls below the new start offset is\n"
       "moved by the metaserver's reset policy (see `mqctl retention resets`).",
       {{"retention", "DURATION", "keep messages this long: 7d, 12h, 30m"},
        {"bytes", "BYTES",
         "keep at most this much per partition: 1073741824, 512M, 10G; 0 = no limit"},
        {"messages", "N", "keep at most this many messages per partition; 0 = no limit"}},
       1,
       topicSetRetention},
      {"topic lifecycle",
       "NAME",
       "show a topic's retention and each partition's state, offsets and size",
       "States: active (writable), read_only (producers skip it), retired (consumed by every\n"
       "group; reads as empty at its final offset, its table is dropped after a grace period).\n"
       "SIZE_BYTES is the partition table's data and index size from InnoDB's statistics\n"
       "(whole pages, approximate); - when it could not be read or the table is dropped.",
       {},
       1,
       topicLifecycle},
      {"partition read-only",
       "TOPIC PARTITION",
       "stop writes to a partition",
       "Keyless messages skip it; keyed messages that hash to it fail with PARTITION_READ_ONLY.\n"
       "It is retired once every group with a committed offset on it has consumed it to its end.",
       {},
       2,
       partitionReadOnly},
      {"partition writable",
       "TOPIC PARTITION",
       "make a read-only partition writable again",
       "",
       {},
       2,
       partitionWritable},
      {"partition migrate",
       "TOPIC PARTITION",
       "move a partition's writes to a new partition on another datanode",
       "Appends a partition to the topic on --to (or where placement chooses) and makes this one\n"
       "read-only; consumers drain it and it is retired. Keys hash over the partition count,\n"
       "which grows by one, so most keys move to another partition.",
       {{"to", "DATANODE", "datanode of the new partition (default: placement chooses)"}},
       2,
       partitionMigrate},
      {"datanode decommission",
       "NAME",
       "migrate every partition off a datanode and retire it",
       "New partitions are no longer placed on it. It becomes decommissioned once its old\n"
       "partitions are retired and their tables dropped (see `mqctl datanode lifecycle`).",
       {},
       1,
       datanodeDecommission},
      {"datanode lifecycle",
       "",
       "show each datanode's state and what is left on it",
       "",
       {},
       0,
       datanodeLifecycle},
      {"retention resets",
       "",
       "list committed offsets that retention moved",
       "A group whose committed offset pointed at removed messages is moved to the start offset\n"
       "(or the log end, by the metaserver's retention-offset-reset); each move is listed here.",
       {{"group", "GROUP", "only this group"},
        {"topic", "TOPIC", "only this topic"},
        {"limit", "N", "newest N events (default 100, at most 1000)"}},
       0,
       retentionResets},
  };
}

}  // namespace mq::mqctl
