// mqctl group list|describe|reset-offsets|delete: consumer-group administration through
// any broker (the coordinator).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <set>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/consumer_lag.h"

using mq::client::AdminClient;
using mq::client::ConsumerGroupAdmin;
using mq::client::Error;
using mq::client::GroupDescription;
using mq::client::OffsetQuery;
using mq::client::OffsetSpec;
using mq::client::TopicPartition;
using mq::client::TopicPartitions;

namespace mq::mqctl {

namespace {

std::string listAssignment(const std::vector<TopicPartitions>& assignment) {
  std::string text;
  for (const auto& entry : assignment) {
    std::vector<int> partitions = entry.partitions;
    std::sort(partitions.begin(), partitions.end());
    std::string numbers;
    for (int p : partitions) numbers += (numbers.empty() ? "" : ",") + std::to_string(p);
    text += fmt::format("{}{}[{}]", text.empty() ? "" : " ", entry.topic, numbers);
  }
  return text.empty() ? "-" : text;
}

std::vector<JsonObject> assignmentJson(const std::vector<TopicPartitions>& assignment) {
  std::vector<JsonObject> partitions;
  for (const auto& entry : assignment) {
    for (int p : entry.partitions) {
      partitions.push_back(JsonObject().text("topic", entry.topic).number("partition", p));
    }
  }
  return partitions;
}

int groupList(const Context& context, const ParsedArgs&) {
  ConsumerGroupAdmin admin(context.dataConfig());
  auto groups = admin.listGroups();
  if (context.json) {
    for (const auto& g : groups) {
      printLine(context, JsonObject()
                             .text("group", g.group_id)
                             .text("state", g.state)
                             .number("generation", g.generation_id)
                             .number("members", g.members)
                             .text("protocol", g.protocol_name));
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"GROUP", "STATE", "GENERATION", "MEMBERS", "ASSIGNOR"}};
  for (const auto& g : groups) {
    rows.push_back({g.group_id, g.state, std::to_string(g.generation_id), std::to_string(g.members),
                    g.protocol_name.empty() ? "-" : g.protocol_name});
  }
  *context.out << formatTable(rows);
  return 0;
}

struct PartitionLag {
  TopicPartition tp;
  int64_t committed = -1;  // -1: none
  int64_t start = -1;      // log start; -1: unknown (topic gone)
  int64_t end = -1;        // -1: unknown (topic gone)
  std::string owner;       // member id, or empty
};

int groupDescribe(const Context& context, const ParsedArgs& args) {
  const std::string group_id = args.positionals[0];
  ConsumerGroupAdmin admin(context.dataConfig());
  GroupDescription group = admin.describeGroup(group_id);
  if (group.state == "Dead") {
    throw Error(client::ErrorCode::UNKNOWN_GROUP, fmt::format("unknown group `{}`", group_id),
                false);
  }

  // Every partition of a topic the group commits to or subscribes to.
  std::map<TopicPartition, PartitionLag> partitions;
  std::set<std::string> topics;
  for (const auto& offset : group.offsets) {
    TopicPartition tp{offset.topic, offset.partition};
    partitions[tp].tp = tp;
    partitions[tp].committed = offset.offset;
    topics.insert(offset.topic);
  }
  for (const auto& member : group.members) {
    topics.insert(member.topics.begin(), member.topics.end());
    for (const auto& entry : member.assignment) {
      for (int p : entry.partitions) {
        TopicPartition tp{entry.topic, p};
        partitions[tp].tp = tp;
        partitions[tp].owner = member.member_id;
      }
    }
  }
  AdminClient offsets_admin(context.dataConfig());
  for (const auto& topic : topics) {
    try {
      for (const auto& p : offsets_admin.topicOffsets(topic)) {
        partitions[p.partition].tp = p.partition;
        partitions[p.partition].start = p.start_offset;
        partitions[p.partition].end = p.end_offset;
      }
    } catch (const Error& e) {
      if (e.code() != client::ErrorCode::UNKNOWN_TOPIC) throw;
    }
  }
  // The metaserver's rule (common/consumer_lag.h, docs/lag-and-alerts.md): a partition
  // without a commit, or committed below what retention keeps, counts from the log start.
  auto lagOf = [](const PartitionLag& p) -> int64_t {
    return p.end < 0 ? -1 : consumerLag(p.committed, p.start, p.end);
  };

  if (context.json) {
    std::vector<JsonObject> members;
    for (const auto& m : group.members) {
      JsonObject member;
      member.text("member_id", m.member_id);
      if (m.group_instance_id) {
        member.text("instance_id", *m.group_instance_id);
      } else {
        member.null("instance_id");
      }
      member.text("client_id", m.client_id)
          .text("client_host", m.client_host)
          .number("last_heartbeat_ms", m.last_heartbeat_ms)
          .array("assignment", assignmentJson(m.assignment));
      members.push_back(member);
    }
    std::vector<JsonObject> lags;
    int64_t total = 0;
    for (const auto& [tp, p] : partitions) {
      JsonObject lag;
      lag.text("topic", tp.topic).number("partition", tp.partition);
      p.committed >= 0 ? lag.number("committed_offset", p.committed) : lag.null("committed_offset");
      p.end >= 0 ? lag.number("end_offset", p.end) : lag.null("end_offset");
      int64_t value = lagOf(p);
      value >= 0 ? lag.number("lag", value) : lag.null("lag");
      lag.boolean("never_committed", p.committed < 0);
      p.owner.empty() ? lag.null("owner") : lag.text("owner", p.owner);
      total += std::max<int64_t>(0, value);
      lags.push_back(lag);
    }
    printLine(context, JsonObject()
                           .text("group", group.group_id)
                           .text("state", group.state)
                           .number("generation", group.generation_id)
                           .text("protocol", group.protocol_name)
                           .text("leader", group.leader_id)
                           .number("total_lag", total)
                           .array("members", members)
                           .array("partitions", lags));
    return 0;
  }
  *context.out << fmt::format(
      "group:      {}\nstate:      {}\ngeneration: {}\nassignor:   {}\nleader:     {}\n"
      "members:    {}\n\n",
      group.group_id, group.state, group.generation_id,
      group.protocol_name.empty() ? "-" : group.protocol_name,
      group.leader_id.empty() ? "-" : group.leader_id, group.members.size());
  if (!group.members.empty()) {
    std::vector<std::vector<std::string>> rows{
        {"MEMBER", "INSTANCE", "CLIENT", "HOST", "ASSIGNMENT"}};
    for (const auto& m : group.members) {
      rows.push_back({m.member_id, m.group_instance_id.value_or("-"), m.client_id, m.client_host,
                      listAssignment(m.assignment)});
    }
    *context.out << formatTable(rows) << "\n";
  }
  std::vector<std::vector<std::string>> rows{
      {"TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "OWNER"}};
  for (const auto& [tp, p] : partitions) {
    int64_t lag = lagOf(p);
    rows.push_back({tp.topic, std::to_string(tp.partition),
                    p.committed >= 0 ? std::to_string(p.committed) : "never",
                    p.end >= 0 ? std::to_string(p.end) : "-", lag >= 0 ? std::to_string(lag) : "-",
                    p.owner.empty() ? "-" : p.owner});
  }
  *context.out << formatTable(rows);
  return 0;
}

int groupResetOffsets(const Context& context, const ParsedArgs& args) {
  const std::string group_id = args.positionals[0];
  auto topic = args.value("topic");
  if (!topic) throw UsageError("--topic is required");
  int targets = 0;
  for (const char* flag : {"to-earliest", "to-latest", "to-offset", "to-datetime"}) {
    targets += args.has(flag) ? 1 : 0;
  }
  if (targets != 1) {
    throw UsageError("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime");
  }
  std::optional<int64_t> to_offset;
  if (auto text = args.value("to-offset")) {
    to_offset = parseInteger(*text, "--to-offset", 0, INT64_MAX / 2);
  }
  std::optional<int64_t> to_time;
  if (auto text = args.value("to-datetime")) {
    int64_t ms = 0;
    if (!parseIsoTime(*text, &ms)) {
      throw UsageError(fmt::format(
          "--to-datetime expects an ISO 8601 time like 2024-05-01T12:00:00Z, got `{}`", *text));
    }
    to_time = ms;
  }
  const bool dry_run = args.has("dry-run");

  AdminClient admin(context.dataConfig());
  auto ranges = admin.topicOffsets(*topic);
  std::map<TopicPartition, int64_t> target;
  if (to_time) {
    std::vector<OffsetQuery> queries;
    for (const auto& p : ranges)
      queries.push_back(OffsetQuery{p.partition, OffsetSpec::kTimestamp, *to_time});
    for (const auto& answer : admin.listOffsets(queries)) target[answer.partition] = answer.offset;
  } else {
    for (const auto& p : ranges) {
      if (args.has("to-earliest")) {
        target[p.partition] = p.start_offset;
      } else if (args.has("to-latest")) {
        target[p.partition] = p.end_offset;
      } else {
        // Outside the stored range a consumer would reset anyway: clamp, and say so.
        target[p.partition] = std::clamp(*to_offset, p.start_offset, p.end_offset);
      }
    }
  }

  ConsumerGroupAdmin groups(context.dataConfig());
  std::map<TopicPartition, int64_t> current;
  std::vector<TopicPartition> partitions;
  for (const auto& [tp, offset] : target) partitions.push_back(tp);
  for (const auto& c : groups.committedOffsets(group_id, partitions)) {
    current[TopicPartition{c.topic, c.partition}] = c.offset;
  }
  if (!dry_run) {
    try {
      groups.resetOffsets(group_id, target);
    } catch (const Error& e) {
      if (e.code() == client::ErrorCode::GROUP_NOT_EMPTY) {
        throw Error(e.code(),
                    fmt::format("cannot reset offsets of group `{}` while it has active "
                                "members; stop its consumers first ({})",
                                group_id, e.what()),
                    false);
      }
      throw;
    }
  }

  if (context.json) {
    for (const auto& [tp, offset] : target) {
      JsonObject line;
      line.text("group", group_id).text("topic", tp.topic).number("partition", tp.partition);
      int64_t before = current.count(tp) ? current[tp] : -1;
      before >= 0 ? line.number("current", before) : line.null("current");
      line.number("new", offset).boolean("dry_run", dry_run);
      printLine(context, line);
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"TOPIC", "PARTITION", "PREVIOUS", "NEW"}};
  for (const auto& [tp, offset] : target) {
    int64_t before = current.count(tp) ? current[tp] : -1;
    rows.push_back({tp.topic, std::to_string(tp.partition),
                    before >= 0 ? std::to_string(before) : "-", std::to_string(offset)});
  }
  *context.out << formatTable(rows);
  *context.out << (dry_run ? "dry run: nothing was changed\n"
                           : fmt::format("reset {} partitions of group `{}`\n", target.size(),
                                         group_id));
  return 0;
}

int groupDelete(const Context& context, const ParsedArgs& args) {
  ConsumerGroupAdmin admin(context.dataConfig());
  admin.deleteGroup(args.positionals[0]);
  if (context.json) {
    printLine(context, JsonObject().text("group", args.positionals[0]).boolean("deleted", true));
  } else {
    *context.out << fmt::format("deleted group `{}`\n", args.positionals[0]);
  }
  return 0;
}

}  // namespace

std::vector<Command> groupCommands() {
  return {
      {"group list", "", "list consumer groups", "", {}, 0, groupList},
      {"group describe",
       "GROUP",
       "show a group's state, members and per-partition lag",
       "State, generation, assignor and leader; each member's client id, host and\n"
       "assignment; and for every partition of the group's topics: the committed offset,\n"
       "the log end offset and the lag between them (- when nothing is committed).",
       {},
       1,
       groupDescribe},
      {"group reset-offsets",
       "GROUP",
       "set a group's committed offsets for a topic",
       "Only while the group has no active members (the coordinator refuses with\n"
       "GROUP_NOT_EMPTY otherwise): stop its consumers first. An offset outside a\n"
       "partition's stored range is clamped to it. --to-datetime takes ISO 8601\n"
       "(2024-05-01, 2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00; UTC without a zone)\n"
       "and picks the first offset appended at or after that time.",
       {{"topic", "TOPIC", "the topic whose offsets to set (required)"},
        {"to-earliest", "", "the earliest stored offset"},
        {"to-latest", "", "the log end: skip everything stored"},
        {"to-offset", "N", "offset N in every partition"},
        {"to-datetime", "TIME", "the first offset appended at or after TIME"},
        {"dry-run", "", "print the new offsets without changing anything"}},
       1,
       groupResetOffsets},
      {"group delete",
       "GROUP",
       "delete a group without members and its committed offsets",
       "",
       {},
       1,
       groupDelete},
  };
}

}  // namespace mq::mqctl
