#include "metaserver/lag/lag_json.h"

#include "common/json_writer.h"

namespace mq {
namespace {

// The fields of a rule that a webhook payload and the API share.
void writeRuleIdentity(JsonWriter& json, const AlertRuleRecord& rule) {
  json.field("id", rule.id)
      .field("name", rule.name)
      .field("group", rule.group_id)
      .field("topic", rule.topic)
      .field("kind", rule.kind)
      .field("threshold", rule.threshold)
      .field("for_ms", rule.for_ms);
}

}  // namespace

std::string groupSummaryJson(const GroupLag& group) {
  JsonWriter json;
  json.beginObject()
      .field("group", group.group)
      .field("state", group.state)
      .field("members", group.members)
      .field("status", lagStatusName(group.status))
      .field("status_code", static_cast<int>(group.status))
      .field("total_lag", group.total_lag)
      .field("max_lag_seconds", group.max_lag_seconds)
      .field("partitions", static_cast<int64_t>(group.partitions.size()))
      .end();
  return json.str();
}

std::string groupLagJson(const GroupLag& group, int64_t collected_ms) {
  JsonWriter json;
  json.beginObject()
      .field("group", group.group)
      .field("status", lagStatusName(group.status))
      .field("status_code", static_cast<int>(group.status))
      .field("total_lag", group.total_lag)
      .field("max_lag_seconds", group.max_lag_seconds)
      .field("collected_ms", collected_ms)
      .key("partitions")
      .beginArray();
  for (const auto& p : group.partitions) {
    json.beginObject()
        .field("topic", p.topic)
        .field("partition", p.partition)
        .field("start_offset", p.start_offset)
        .field("end_offset", p.end_offset)
        .field("committed_offset", p.committed_offset)
        .field("committed_ms", p.committed_ms)
        .field("lag", p.lag)
        .field("lag_seconds", p.lag_seconds)
        .field("consume_rate", p.consume_rate)
        .field("status", lagStatusName(p.status))
        .field("reason", p.reason)
        .end();
  }
  json.end().end();
  return json.str();
}

std::string groupStatusJson(const GroupLag& group, int64_t collected_ms) {
  JsonWriter json;
  json.beginObject()
      .field("group", group.group)
      .field("status", lagStatusName(group.status))
      .field("status_code", static_cast<int>(group.status))
      .field("reason", group.reason)
      .field("total_lag", group.total_lag)
      .field("collected_ms", collected_ms)
      .key("partitions_not_ok")
      .beginArray();
  for (const auto& p : group.partitions) {
    if (p.status == LagStatus::kOk) continue;
    json.beginObject()
        .field("topic", p.topic)
        .field("partition", p.partition)
        .field("status", lagStatusName(p.status))
        .field("status_code", static_cast<int>(p.status))
        .field("reason", p.reason)
        .field("lag", p.lag)
        .end();
  }
  json.end().end();
  return json.str();
}

std::string alertRuleJson(const AlertRuleRecord& rule) {
  JsonWriter json;
  json.beginObject();
  writeRuleIdentity(json, rule);
  json.field("webhook_url", rule.webhook_url)
      .field("created_ms", rule.created_ms)
      .field("created_by", rule.created_by)
      .field("state", rule.state)
      .field("state_since_ms", rule.state_since_ms)
      .field("value", rule.last_value)
      .field("evaluated_ms", rule.evaluated_ms)
      .end();
  return json.str();
}

std::string alertEventJson(const AlertEventRecord& event) {
  JsonWriter json;
  json.beginObject()
      .field("id", event.id)
      .field("alert_id", event.alert_id)
      .field("alert", event.alert_name)
      .field("group", event.group_id)
      .field("topic", event.topic)
      .field("kind", event.kind)
      .field("event", event.event)
      .field("at_ms", event.at_ms)
      .field("value", event.value)
      .field("threshold", event.threshold)
      .field("message", event.message)
      .end();
  return json.str();
}

std::string webhookPayloadJson(const AlertRuleRecord& rule, const AlertEventRecord& event) {
  JsonWriter json;
  json.beginObject()
      .field("event", event.event)
      .field("event_id", event.id)
      .field("at_ms", event.at_ms)
      .field("value", event.value)
      .field("message", event.message)
      .key("alert")
      .beginObject();
  writeRuleIdentity(json, rule);
  json.end().end();
  return json.str();
}

}  // namespace mq
