// mqctl dlq list|show|replay|purge: consumer groups' dead-letter topics through the
// metaserver (see docs/dead-letters.md).
#include <fmt/format.h>

#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"

using mq::client::AdminClient;
using mq::client::DeadLetterSummary;
using mq::client::StoredMessage;

namespace mq::mqctl {

namespace {

namespace h = dead_letter;

std::string header(const StoredMessage& m, const char* name) {
  auto it = m.headers.find(name);
  return it == m.headers.end() ? "-" : it->second;
}

JsonObject summaryJson(const DeadLetterSummary& s) {
  JsonObject json;
  json.text("group", s.topics.group_id)
      .text("topic", s.topics.topic)
      .text("dead_letter_topic", s.topics.dead_letter_topic)
      .text("retry_topic", s.topics.retry_topic)
      .text("owner_team", s.topics.owner_team)
      .number("messages", s.messages)
      .number("dead_lettered", s.dead_lettered)
      .number("retried", s.retried)
      .number("start_offset", s.start_offset)
      .number("end_offset", s.end_offset)
      .number("created_ms", s.topics.created_ms);
  if (!s.error.empty()) json.text("error", s.error);
  return json;
}

int dlqList(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto summaries = admin.listDeadLetters(args.value("group").value_or(""));
  if (context.json) {
    for (const auto& s : summaries) *context.out << summaryJson(s).str() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"GROUP", "TOPIC", "DEAD LETTERS", "EVER", "RETRIES", "DEAD-LETTER TOPIC", "RETRY TOPIC"}};
  for (const auto& s : summaries) {
    const bool ok = s.error.empty();
    rows.push_back({s.topics.group_id, s.topics.topic, ok ? std::to_string(s.messages) : "?",
                    ok ? std::to_string(s.dead_lettered) : "?",
                    ok ? std::to_string(s.retried) : "?", s.topics.dead_letter_topic,
                    s.topics.retry_topic});
  }
  *context.out << formatTable(rows);
  for (const auto& s : summaries) {
    if (!s.error.empty()) {
      *context.err << fmt::format("warning: counts of {}/{} missing: {}\n", s.topics.group_id,
                                  s.topics.topic, s.error);
    }
  }
  return 0;
}

int dlqShow(const Context& context, const ParsedArgs& args) {
  const int max =
      static_cast<int>(args.value("max") ? parseInteger(*args.value("max"), "--max", 1, 1000) : 20);
  const int64_t from =
      args.value("offset") ? parseInteger(*args.value("offset"), "--offset", 0, INT64_MAX / 2) : -1;
  AdminClient admin(context.adminConfig());
  auto page = admin.showDeadLetters(args.positionals[0], args.positionals[1], from, max);
  if (context.json) {
    for (const auto& m : page.messages) {
      JsonObject json;
      json.text("dead_letter_topic", page.summary.topics.dead_letter_topic)
          .number("offset", m.offset);
      if (m.key) {
        json.bytes("key", *m.key);
      } else {
        json.null("key");
      }
      json.bytes("value", m.value)
          .headers("headers", m.headers)
          .number("timestamp", m.timestamp_ms)
          .number("append_time", m.append_time_ms);
      *context.out << json.str() << "\n";
    }
    return 0;
  }
  *context.out << fmt::format(
      "{} dead letter{} of group `{}` for topic `{}` in `{}` (offsets {}..{})\n",
      page.summary.messages, page.summary.messages == 1 ? "" : "s", page.summary.topics.group_id,
      page.summary.topics.topic, page.summary.topics.dead_letter_topic, page.summary.start_offset,
      page.summary.end_offset);
  for (const auto& m : page.messages) {
    *context.out << fmt::format(
        "\noffset {}: key {} value {}\n  from {}/{} offset {}, {} attempts, first failed {}, "
        "dead-lettered {}\n  last error: {}\n",
        m.offset, m.key.value_or("-"), m.value, header(m, h::kOriginalTopic),
        header(m, h::kOriginalPartition), header(m, h::kOriginalOffset), header(m, h::kAttempt),
        header(m, h::kFirstFailureMs) == "-"
            ? "-"
            : formatTime(std::stoll(header(m, h::kFirstFailureMs))),
        header(m, h::kDeadLetteredMs) == "-"
            ? "-"
            : formatTime(std::stoll(header(m, h::kDeadLetteredMs))),
        header(m, h::kLastError));
  }
  return 0;
}

int dlqReplay(const Context& context, const ParsedArgs& args) {
  const bool all = args.has("all");
  const auto offset_text = args.value("offset");
  if (all == offset_text.has_value()) throw UsageError("give exactly one of --offset N and --all");
  std::optional<int64_t> offset;
  if (offset_text) offset = parseInteger(*offset_text, "--offset", 0, INT64_MAX / 2);
  const std::string target = args.value("to").value_or("original");
  if (target != "original" && target != "retry") {
    throw UsageError(fmt::format("--to must be original or retry, got `{}`", target));
  }
  AdminClient admin(context.adminConfig());
  auto replayed = admin.replayDeadLetters(args.positionals[0], args.positionals[1], offset, target);
  if (context.json) {
    JsonObject json;
    json.text("group", args.positionals[0])
        .text("topic", args.positionals[1])
        .text("target_topic", replayed.target_topic)
        .number("replayed", static_cast<int64_t>(replayed.offsets.size()));
    *context.out << json.str() << "\n";
  } else {
    *context.out << fmt::format("replayed {} dead letter{} to `{}`\n", replayed.offsets.size(),
                                replayed.offsets.size() == 1 ? "" : "s", replayed.target_topic);
  }
  return 0;
}

int dlqPurge(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto purged = admin.purgeDeadLetters(args.positionals[0], args.positionals[1]);
  if (context.json) {
    *context.out << JsonObject()
                        .text("group", args.positionals[0])
                        .text("topic", args.positionals[1])
                        .number("purged", purged.purged)
                        .number("start_offset", purged.start_offset)
                        .str()
                 << "\n";
  } else {
    *context.out << fmt::format("purged {} dead letter{}\n", purged.purged,
                                purged.purged == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace

std::vector<Command> dlqCommands() {
  return {
      {"dlq list",
       "",
       "list dead-letter topics with their counts",
       "One row per consumer group and original topic: dead letters stored now, ever\n"
       "dead-lettered, retries ever scheduled, and the topics' names.",
       {{"group", "GROUP", "only this group's"}},
       0,
       dlqList},
      {"dlq show",
       "GROUP TOPIC",
       "show dead letters with their failure history",
       "Each dead letter with its original topic, partition and offset, attempts, first\n"
       "failure and dead-letter times and last error; --json prints every header\n"
       "(mq-error-history holds each failure).",
       {{"max", "N", "at most N dead letters (1..1000, default 20)"},
        {"offset", "N", "start at offset N of the dead-letter topic (default: earliest)"}},
       2,
       dlqShow},
      {"dlq replay",
       "GROUP TOPIC",
       "produce dead letters again",
       "--to original (default) sends them back to the original topic, where every group\n"
       "consuming it sees them again; --to retry sends them to GROUP's retry topic only,\n"
       "with their attempts counted afresh. The dead letters stay until `dlq purge`.",
       {{"offset", "N", "the dead letter at offset N"},
        {"all", "", "every stored dead letter"},
        {"to", "original|retry", "where to (default original)"}},
       2,
       dlqReplay},
      {"dlq purge",
       "GROUP TOPIC",
       "remove every stored dead letter of GROUP and TOPIC",
       "",
       {},
       2,
       dlqPurge},
  };
}

}  // namespace mq::mqctl
