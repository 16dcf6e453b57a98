// The series behind the portal's charts, from the lag collector's recent snapshots
// (lag_history.h): GET /api/topics/{name}/history, GET /api/groups/{group}/history and
// GET /api/cluster/history (portal_routes.h). Arrays are aligned with at_ms.
#include <fmt/format.h>

#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"
#include "metaserver/portal/portal_routes.h"

namespace mq {
namespace {

// Only the metaserver that collects lag has the history (like the lag API).
void requireCollector(PortalContext& portal) {
  if (!portal.services.collector.snapshot()) {
    throw ApiError(503, "lag_not_collected",
                   "this metaserver does not collect consumer lag (another one holds the "
                   "lag-collector lease, or the first cycle has not run yet): no history here");
  }
}

template <typename T>
void writeArray(JsonWriter& json, const char* name, const std::vector<T>& values) {
  json.key(name).beginArray();
  for (const auto& v : values) json.value(v);
  json.end();
}

}  // namespace

HttpResponse topicHistory(PortalContext& portal, const HttpRequest& request,
                          const std::string& topic) {
  portal.auth.principal(request);
  portal.services.topics.describe(topic);  // 404 for an unknown topic
  requireCollector(portal);
  const auto history = portal.services.collector.history().topic(topic);
  JsonWriter json;
  json.beginObject().field("topic", topic);
  writeArray(json, "at_ms", history.at_ms);
  writeArray(json, "messages_per_second", history.messages_per_second);
  writeArray(json, "end_offset", history.end_offset);
  json.end();
  return apiJson(200, json.str());
}

HttpResponse groupHistory(PortalContext& portal, const HttpRequest& request,
                          const std::string& group) {
  portal.auth.principal(request);
  requireCollector(portal);
  const auto history = portal.services.collector.history().group(group);
  JsonWriter json;
  json.beginObject().field("group", group);
  writeArray(json, "at_ms", history.at_ms);
  writeArray(json, "messages_per_second", history.messages_per_second);
  json.key("partitions").beginArray();
  for (const auto& p : history.partitions) {
    json.beginObject().field("topic", p.topic).field("partition", p.partition).key("lag");
    json.beginArray();
    for (const auto& lag : p.lag) {
      if (lag) {
        json.value(*lag);
      } else {
        json.null();
      }
    }
    json.end().end();
  }
  json.end().end();
  return apiJson(200, json.str());
}

HttpResponse clusterHistory(PortalContext& portal, const HttpRequest& request) {
  portal.auth.principal(request);
  requireCollector(portal);
  const auto history = portal.services.collector.history().cluster();
  JsonWriter json;
  json.beginObject();
  writeArray(json, "at_ms", history.at_ms);
  writeArray(json, "messages_in", history.messages_in);
  writeArray(json, "messages_out", history.messages_out);
  json.end();
  return apiJson(200, json.str());
}

}  // namespace mq
