// Message search and seek by time in the portal's API (docs/portal.md#search-and-seek):
//   GET /api/topics/{t}/messages with key, header, contains, regex, from_time, to_time,
//       to_offset, scan_limit or cursor (or without a partition): a bounded search
//       (MessageSearch); without them, portal_topic_routes.cc browses one partition;
//   GET /api/topics/{t}/offsets?time=: the first offset at or after a time, per partition and
//       merged (the earliest such message over all partitions).
// Only whoever may read the topic's messages (portal_topic_access.h) searches and seeks.
#include <fmt/format.h>

#include <stdexcept>

#include "common/iso_time.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"
#include "metaserver/portal/portal_topic_access.h"

namespace mq {
namespace {

constexpr size_t kMaxFilterBytes = 1024;

// A time parameter: ISO 8601 (common/iso_time.h) or milliseconds since the epoch.
std::optional<int64_t> timeParam(const HttpRequest& request, const char* name) {
  auto text = request.param(name);
  if (!text || text->empty()) return std::nullopt;
  int64_t ms = 0;
  if (parseIsoTime(*text, &ms)) return ms;
  if (text->find_first_not_of("0123456789") == std::string::npos && text->size() <= 15) {
    return std::stoll(*text);
  }
  throwBadField(name, fmt::format("`{}` is not a time: give ISO 8601 (2024-05-01T12:00:00Z, "
                                  "2024-05-01T14:00+02:00) or milliseconds since 1970",
                                  *text));
}

std::optional<std::string> filterParam(const HttpRequest& request, const char* name) {
  auto text = request.param(name);
  if (!text) return std::nullopt;
  if (text->empty()) throwBadField(name, fmt::format("`{}` is empty", name));
  if (text->size() > kMaxFilterBytes) {
    throwBadField(name, fmt::format("`{}` may have at most {} bytes", name, kMaxFilterBytes));
  }
  return text;
}

void readAllowed(PortalContext& portal, const HttpRequest& request, const TopicRecord& topic) {
  const Principal who = portal.auth.principal(request);
  TopicAccess(portal.services.meta_pool, who).requireRead(topic.name, topic.owner_team);
}

}  // namespace

bool isSearch(const HttpRequest& request) {
  for (const char* name : {"key", "header", "contains", "regex", "from_time", "to_time",
                           "to_offset", "scan_limit", "cursor"}) {
    if (request.param(name)) return true;
  }
  return !request.param("partition");
}

HttpResponse searchMessages(PortalContext& portal, const HttpRequest& request,
                            const std::string& name) {
  const TopicRecord topic = portal.services.topics.describe(name);
  readAllowed(portal, request, topic);
  SearchRequest search;
  search.topic = name;
  const int64_t last_partition = static_cast<int64_t>(topic.partitions.size()) - 1;
  if (request.param("partition")) {
    search.partition = static_cast<int>(queryInteger(request, "partition", 0, last_partition, 0));
  }
  search.filter.key = filterParam(request, "key");
  if (auto header = filterParam(request, "header")) {
    const size_t colon = header->find(':');
    if (colon == std::string::npos || colon == 0) {
      throwBadField("header", "write the header as NAME:VALUE");
    }
    search.filter.header = std::make_pair(header->substr(0, colon), header->substr(colon + 1));
  }
  search.filter.contains = filterParam(request, "contains");
  search.filter.regex = filterParam(request, "regex");
  constexpr int64_t kMaxOffset = INT64_MAX / 2;
  if (request.param("from_offset")) {
    search.from_offset = queryInteger(request, "from_offset", 0, kMaxOffset, 0);
  }
  if (request.param("to_offset")) {
    search.to_offset = queryInteger(request, "to_offset", 0, kMaxOffset, 0);
  }
  search.from_time_ms = timeParam(request, "from_time");
  search.to_time_ms = timeParam(request, "to_time");
  if (search.from_time_ms && search.to_time_ms && *search.to_time_ms < *search.from_time_ms) {
    throwBadField("to_time", "to_time is before from_time");
  }
  search.limit = static_cast<int>(queryInteger(request, "limit", 1, kMaxSearchMatches, 20));
  search.scan_limit = queryInteger(request, "scan_limit", 1, kMaxScanLimit, kDefaultScanLimit);
  if (auto cursor = request.param("cursor"); cursor && !cursor->empty()) {
    try {
      search.cursor = MessageSearch::parseCursor(*cursor);
    } catch (const std::invalid_argument& e) {
      throwBadField("cursor", e.what());
    }
  }
  SearchResult result;
  aboutField(search.filter.regex ? "regex" : "", [&] { result = portal.search.search(search); });
  JsonWriter json;
  json.beginObject()
      .field("topic", name)
      .field("limit", static_cast<int64_t>(search.limit))
      .field("scan_limit", search.scan_limit)
      .field("scanned", result.scanned)
      .field("remaining", result.remaining)
      .field("done", result.done())
      .field("cursor", result.cursor())
      .key("partitions")
      .beginArray();
  for (const auto& p : result.partitions) {
    json.beginObject()
        .field("partition", p.partition)
        .field("from_offset", p.from)
        .field("to_offset", p.to)
        .field("next_offset", p.next)
        .field("scanned", p.scanned)
        .field("error", p.error)
        .end();
  }
  json.end().key("messages").beginArray();
  for (const auto& match : result.matches) {
    const auto& m = match.message;
    std::optional<std::string> key;
    if (m.__isset.key) key = m.key;
    writeMessage(json, m.offset, m.timestamp_ms, m.append_time_ms, key, m.value, m.headers,
                 match.partition);
  }
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse seekOffsets(PortalContext& portal, const HttpRequest& request,
                         const std::string& name) {
  const TopicRecord topic = portal.services.topics.describe(name);
  readAllowed(portal, request, topic);
  const auto time_ms = timeParam(request, "time");
  if (!time_ms) throwBadField("time", "give the time to seek to (ISO 8601)");
  std::optional<int> partition;
  if (request.param("partition")) {
    partition = static_cast<int>(queryInteger(
        request, "partition", 0, static_cast<int64_t>(topic.partitions.size()) - 1, 0));
  }
  const auto answers = portal.search.seek(name, *time_ms, partition);
  // Merged: the partition whose first message at or after the time came first.
  const SeekAnswer* first = nullptr;
  for (const auto& a : answers) {
    if (!a.append_time_ms) continue;
    if (!first || *a.append_time_ms < *first->append_time_ms) first = &a;
  }
  JsonWriter json;
  json.beginObject().field("topic", name).field("time_ms", *time_ms).key("partitions").beginArray();
  for (const auto& a : answers) {
    json.beginObject()
        .field("partition", a.partition)
        .field("offset", a.offset)
        .field("start_offset", a.start_offset)
        .field("end_offset", a.end_offset);
    if (a.append_time_ms) {
      json.field("append_time_ms", *a.append_time_ms);
    } else {
      json.key("append_time_ms").null();
    }
    json.field("error", a.error).end();
  }
  json.end().key("first");
  if (first) {
    json.beginObject()
        .field("partition", first->partition)
        .field("offset", first->offset)
        .field("append_time_ms", *first->append_time_ms)
        .end();
  } else {
    json.null();
  }
  json.end();
  return apiJson(200, json.str());
}

}  // namespace mq
