// mqctl search: the portal's message search (docs/portal.md#search-and-seek) from the command
// line, through the metaserver's HTTP API as a signed-in portal user (portal_login.h), so
// the same bounds (rows scanned per request) and the same rule of who may read a topic apply.
// It follows the answer's cursor request after request until the range was searched or
// --max messages were found; each message is one line (--json: one object per line, with the
// API's field names), and a summary goes to stderr.
#include <fmt/format.h>

#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "client/mqctl/portal_client.h"
#include "client/mqctl/portal_login.h"

namespace mq::mqctl {
namespace {

namespace pt = boost::property_tree;

// The API's bytes object ({"size","text"?,"base64"}) as text when it is text.
std::string bytesText(const pt::ptree& bytes) {
  if (auto text = bytes.get_optional<std::string>("text")) return *text;
  return "base64:" + bytes.get<std::string>("base64", "");
}

JsonObject messageJson(const std::string& topic, const pt::ptree& m) {
  JsonObject json;
  json.text("topic", topic)
      .number("partition", m.get<int64_t>("partition"))
      .number("offset", m.get<int64_t>("offset"))
      .number("timestamp_ms", m.get<int64_t>("timestamp_ms"))
      .number("append_time_ms", m.get<int64_t>("append_time_ms"));
  const auto& key = m.get_child("key");
  if (key.empty() && key.data() == "null") {
    json.null("key");
  } else {
    json.text("key", bytesText(key));
  }
  json.text("value", bytesText(m.get_child("value")));
  std::map<std::string, std::string> headers;
  for (const auto& [k, header] : m.get_child("headers")) {
    headers[header.get<std::string>("name")] = bytesText(header.get_child("value"));
  }
  json.headers("headers", headers);
  return json;
}

// The query string of the search the flags describe.
std::string searchQuery(const ParsedArgs& args) {
  std::string query;
  auto add = [&](const char* name, const std::string& value) {
    query += fmt::format("{}{}={}", query.empty() ? "" : "&", name, PortalClient::segment(value));
  };
  const std::pair<const char*, const char*> flags[] = {{"key", "key"},
                                                       {"header", "header"},
                                                       {"contains", "contains"},
                                                       {"regex", "regex"},
                                                       {"partition", "partition"},
                                                       {"from-time", "from_time"},
                                                       {"to-time", "to_time"},
                                                       {"from-offset", "from_offset"},
                                                       {"to-offset", "to_offset"},
                                                       {"scan-limit", "scan_limit"}};
  for (const auto& [flag, name] : flags) {
    if (auto value = args.value(flag)) add(name, *value);
  }
  return query;
}

int search(const Context& context, const ParsedArgs& args) {
  const std::string& topic = args.positionals[0];
  const int64_t max =
      args.value("max") ? parseInteger(*args.value("max"), "--max", 1, 1000000) : 100;
  const std::string base =
      fmt::format("/api/topics/{}/messages?{}", PortalClient::segment(topic), searchQuery(args));
  PortalClient portal(loginFrom(context, args));
  int64_t found = 0, scanned = 0, remaining = 0;
  std::string cursor;
  for (;;) {
    const int64_t page = std::min<int64_t>(100, max - found);
    auto answer = portal.call(
        "GET", fmt::format("{}{}limit={}{}", base, base.back() == '?' ? "" : "&", page,
                           cursor.empty() ? "" : "&cursor=" + PortalClient::segment(cursor)));
    scanned += answer.get<int64_t>("scanned");
    remaining = answer.get<int64_t>("remaining");
    for (const auto& [k, m] : answer.get_child("messages")) {
      ++found;
      if (context.json) {
        *context.out << messageJson(topic, m).str() << "\n";
      } else {
        const auto& key = m.get_child("key");
        *context.out << fmt::format("{}/{}\t{}\t{}\t{}\n", m.get<int>("partition"),
                                    m.get<int64_t>("offset"),
                                    formatTime(m.get<int64_t>("append_time_ms")),
                                    key.empty() && key.data() == "null" ? "-" : bytesText(key),
                                    bytesText(m.get_child("value")));
      }
    }
    cursor = answer.get<std::string>("cursor", "");
    if (cursor.empty() || found >= max) break;
  }
  *context.err << fmt::format(
      "{} found; {} rows searched{}\n", found, scanned,
      remaining ? fmt::format(", {} not searched (--max {} reached)", remaining, max) : "");
  return 0;
}

}  // namespace

std::vector<Command> searchCommands() {
  return {
      {"search", "TOPIC", "find messages of a topic by key, header, value or time",
       "Searches on the datanodes through the metaserver's HTTP API (docs/portal.md), signed\n"
       "in as a portal user who may read the topic. Filters combine; times are ISO 8601\n"
       "(2024-05-01T12:00:00Z) or milliseconds since 1970. Each request reads at most\n"
       "--scan-limit rows; mqctl asks again until the range is searched or --max messages\n"
       "were found. Prints PARTITION/OFFSET, append time, key and value per line (--json:\n"
       "one object per line); the count goes to stderr.",
       withLogin({{"key", "KEY", "messages with exactly this key"},
                  {"header", "NAME:VALUE", "messages with this header"},
                  {"contains", "TEXT", "messages whose value contains TEXT (bytes)"},
                  {"regex", "REGEX", "messages whose value matches REGEX (PCRE)"},
                  {"partition", "N", "only partition N (default: all)"},
                  {"from-time", "TIME", "appended at or after TIME"},
                  {"to-time", "TIME", "appended at or before TIME"},
                  {"from-offset", "N", "from offset N (in every partition searched)"},
                  {"to-offset", "N", "before offset N"},
                  {"max", "N", "stop after N messages (default 100)"},
                  {"scan-limit", "N", "rows one request reads (1..100000, default 10000)"}}),
       1, search},
  };
}

}  // namespace mq::mqctl
