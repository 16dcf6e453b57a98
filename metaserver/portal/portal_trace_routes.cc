// GET /api/topics/{t}/trace?partition=&offset=: the message trace (message_trace.h,
// docs/portal.md#message-trace) for whoever may read the topic's messages
// (portal_topic_access.h). A key or a trace id is first found with the search API.
#include <fmt/format.h>

#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"
#include "metaserver/portal/portal_topic_access.h"

namespace mq {

HttpResponse traceMessage(PortalContext& portal, const HttpRequest& request,
                          const std::string& name) {
  const Principal who = portal.auth.principal(request);
  const TopicRecord topic = portal.services.topics.describe(name);
  TopicAccess(portal.services.meta_pool, who).requireRead(name, topic.owner_team);
  if (!request.param("partition")) throwBadField("partition", "give the message's partition");
  if (!request.param("offset")) throwBadField("offset", "give the message's offset");
  const int partition = static_cast<int>(
      queryInteger(request, "partition", 0, static_cast<int64_t>(topic.partitions.size()) - 1, 0));
  const int64_t offset = queryInteger(request, "offset", 0, INT64_MAX / 2, 0);
  MessageTraceResult trace;
  aboutField("offset", [&] { trace = portal.trace.trace(name, partition, offset); });
  std::string datanode = std::to_string(trace.datanode_id);
  for (const auto& d : portal.services.datanodes.statuses()) {
    if (d.record.id == trace.datanode_id) datanode = d.record.name;
  }
  const auto& m = trace.message;
  std::optional<std::string> key;
  if (m.__isset.key) key = m.key;
  JsonWriter json;
  json.beginObject()
      .field("topic", trace.topic)
      .field("partition", trace.partition)
      .field("offset", trace.offset)
      .field("datanode", datanode)
      .field("table", trace.table)
      .key("message");
  writeMessage(json, m.offset, m.timestamp_ms, m.append_time_ms, key, m.value, m.headers,
               trace.partition);
  json.field("copy_kind", trace.copy_kind).field("origin", trace.origin).key("groups").beginArray();
  for (const auto& g : trace.groups) {
    json.beginObject()
        .field("group", g.group)
        .field("committed_offset", g.committed_offset)
        .field("committed_ms", g.committed_ms)
        .field("consumed", g.consumed)
        .field("subscribed", g.subscribed)
        .end();
  }
  json.end().key("copies").beginArray();
  for (const auto& c : trace.copies) {
    json.beginObject()
        .field("kind", c.kind)
        .field("group", c.group)
        .field("topic", c.topic)
        .field("partition", c.partition)
        .field("offset", c.offset)
        .field("append_time_ms", c.append_time_ms)
        .field("attempt", static_cast<int64_t>(c.attempt))
        .field("last_error", c.last_error)
        .field("replayed_from", c.replayed_from)
        .end();
  }
  json.end().field("scanned", trace.scanned).field("complete", trace.complete).end();
  return apiJson(200, json.str());
}

}  // namespace mq
