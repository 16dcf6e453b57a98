// mqctl trace: the portal's message trace (docs/portal.md#message-trace) from the command line,
// through the metaserver's HTTP API as a signed-in portal user (portal_login.h). By partition
// and offset, or by --key / --header: those are found with the search API first (at most 10
// messages, the first 100,000 rows), then each is traced.
#include <fmt/format.h>

#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "client/mqctl/portal_client.h"
#include "client/mqctl/portal_login.h"

namespace mq::mqctl {
namespace {

namespace pt = boost::property_tree;

void printTrace(const Context& context, const pt::ptree& t) {
  if (context.json) {
    std::vector<JsonObject> groups, copies;
    for (const auto& [k, g] : t.get_child("groups")) {
      groups.push_back(JsonObject()
                           .text("group", g.get<std::string>("group"))
                           .number("committed_offset", g.get<int64_t>("committed_offset"))
                           .number("committed_ms", g.get<int64_t>("committed_ms"))
                           .boolean("consumed", g.get<bool>("consumed"))
                           .boolean("subscribed", g.get<bool>("subscribed")));
    }
    for (const auto& [k, c] : t.get_child("copies")) {
      copies.push_back(JsonObject()
                           .text("kind", c.get<std::string>("kind"))
                           .text("group", c.get<std::string>("group"))
                           .text("topic", c.get<std::string>("topic"))
                           .number("partition", c.get<int64_t>("partition"))
                           .number("offset", c.get<int64_t>("offset"))
                           .number("append_time_ms", c.get<int64_t>("append_time_ms"))
                           .number("attempt", c.get<int64_t>("attempt"))
                           .text("last_error", c.get<std::string>("last_error"))
                           .text("replayed_from", c.get<std::string>("replayed_from")));
    }
    *context.out << JsonObject()
                        .text("topic", t.get<std::string>("topic"))
                        .number("partition", t.get<int64_t>("partition"))
                        .number("offset", t.get<int64_t>("offset"))
                        .text("datanode", t.get<std::string>("datanode"))
                        .number("timestamp_ms", t.get<int64_t>("message.timestamp_ms"))
                        .number("append_time_ms", t.get<int64_t>("message.append_time_ms"))
                        .text("copy_kind", t.get<std::string>("copy_kind"))
                        .text("origin", t.get<std::string>("origin"))
                        .array("groups", groups)
                        .array("copies", copies)
                        .boolean("complete", t.get<bool>("complete"))
                        .str()
                 << "\n";
    return;
  }
  auto& out = *context.out;
  out << fmt::format("{} partition {} offset {}\n", t.get<std::string>("topic"),
                     t.get<int>("partition"), t.get<int64_t>("offset"));
  out << fmt::format("  produced  {} (producer time)\n",
                     formatTime(t.get<int64_t>("message.timestamp_ms")));
  out << fmt::format("  stored    {} on datanode {} ({})\n",
                     formatTime(t.get<int64_t>("message.append_time_ms")),
                     t.get<std::string>("datanode"), t.get<std::string>("table"));
  if (!t.get<std::string>("copy_kind").empty()) {
    out << fmt::format("  this is a {} of {}\n", t.get<std::string>("copy_kind"),
                       t.get<std::string>("origin"));
  }
  for (const auto& [k, g] : t.get_child("groups")) {
    const int64_t committed = g.get<int64_t>("committed_offset");
    out << fmt::format("  group {}: {}{}\n", g.get<std::string>("group"),
                       g.get<bool>("consumed") ? "consumed"
                       : committed < 0         ? "not consumed (no commit)"
                                               : "not consumed yet",
                       committed < 0 ? ""
                                     : fmt::format(" (committed {} at {})", committed,
                                                   formatTime(g.get<int64_t>("committed_ms"))));
  }
  for (const auto& [k, c] : t.get_child("copies")) {
    out << fmt::format("  {} {} by group {}: {}/{}/{} attempt {}{}\n",
                       formatTime(c.get<int64_t>("append_time_ms")), c.get<std::string>("kind"),
                       c.get<std::string>("group"), c.get<std::string>("topic"),
                       c.get<int>("partition"), c.get<int64_t>("offset"), c.get<int>("attempt"),
                       c.get<std::string>("last_error").empty()
                           ? ""
                           : " error: " + c.get<std::string>("last_error"));
  }
  if (!t.get<bool>("complete")) out << "  (the search for copies stopped at its bound)\n";
}

int trace(const Context& context, const ParsedArgs& args) {
  const std::string& topic = args.positionals[0];
  const std::string base = "/api/topics/" + PortalClient::segment(topic);
  PortalClient portal(loginFrom(context, args));
  std::vector<std::pair<int64_t, int64_t>> messages;  // partition, offset
  if (args.value("key") || args.value("header")) {
    std::string query = "limit=10&scan_limit=100000";
    if (auto key = args.value("key")) query += "&key=" + PortalClient::segment(*key);
    if (auto header = args.value("header")) query += "&header=" + PortalClient::segment(*header);
    const auto found = portal.call("GET", base + "/messages?" + query);
    for (const auto& [k, m] : found.get_child("messages")) {
      messages.emplace_back(m.get<int64_t>("partition"), m.get<int64_t>("offset"));
    }
    if (messages.empty()) {
      *context.err << "no message matches"
                   << (found.get<bool>("done") ? "" : " in the first 100000 rows") << "\n";
      return 1;
    }
  } else {
    if (!args.value("partition") || !args.value("offset")) {
      throw UsageError("give --partition and --offset, or --key or --header");
    }
    messages.emplace_back(parseInteger(*args.value("partition"), "--partition", 0, 1 << 20),
                          parseInteger(*args.value("offset"), "--offset", 0, INT64_MAX / 2));
  }
  for (const auto& [partition, offset] : messages) {
    printTrace(context, portal.call("GET", fmt::format("{}/trace?partition={}&offset={}", base,
                                                       partition, offset)));
  }
  return 0;
}

}  // namespace

std::vector<Command> traceCommands() {
  return {
      {"trace", "TOPIC",
       "follow a message: stored where, consumed by which groups, retried, dead-lettered",
       "Through the metaserver's HTTP API (docs/portal.md#message-trace), signed in as a\n"
       "portal user who may read the topic. A message by --partition and --offset, or the\n"
       "messages (at most 10) with --key or --header NAME:VALUE (a trace id header such as\n"
       "traceparent).",
       withLogin({{"partition", "N", "the message's partition"},
                  {"offset", "N", "the message's offset"},
                  {"key", "KEY", "trace the messages with this key"},
                  {"header", "NAME:VALUE", "trace the messages with this header"}}),
       1, trace},
  };
}

}  // namespace mq::mqctl
