#include "metaserver/lag/lag_json.h"

#include <fmt/format.h>

#include <cmath>

#include "common/log.h"

namespace mq {
namespace {

// Builds one JSON object; keys are literals, values are escaped.
class JsonFields {
 public:
  JsonFields& text(const char* key, std::string_view value) {
    name(key);
    appendJsonString(out_, value);
    return *this;
  }
  JsonFields& number(const char* key, int64_t value) {
    name(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonFields& real(const char* key, double value) {
    name(key);
    out_ += jsonNumber(value);
    return *this;
  }
  JsonFields& raw(const char* key, std::string_view json) {
    name(key);
    out_ += json;
    return *this;
  }
  std::string str() const { return "{" + out_ + "}"; }

 private:
  void name(const char* key) {
    if (!out_.empty()) out_ += ',';
    appendJsonString(out_, key);
    out_ += ':';
  }
  std::string out_;
};

}  // namespace

std::string jsonNumber(double value) {
  if (!std::isfinite(value)) return "0";
  double rounded = std::round(value * 1000.0) / 1000.0;
  if (rounded == std::floor(rounded) && std::fabs(rounded) < 9e15) {
    return std::to_string(static_cast<int64_t>(rounded));
  }
  return fmt::format("{}", rounded);
}

std::string groupSummaryJson(const GroupLag& group) {
  return JsonFields()
      .text("group", group.group)
      .text("state", group.state)
      .number("members", group.members)
      .text("status", lagStatusName(group.status))
      .number("status_code", static_cast<int>(group.status))
      .number("total_lag", group.total_lag)
      .real("max_lag_seconds", group.max_lag_seconds)
      .number("partitions", static_cast<int64_t>(group.partitions.size()))
      .str();
}

std::string groupLagJson(const GroupLag& group, int64_t collected_ms) {
  std::string partitions = "[";
  for (const auto& p : group.partitions) {
    if (partitions.size() > 1) partitions += ',';
    partitions += JsonFields()
                      .text("topic", p.topic)
                      .number("partition", p.partition)
                      .number("start_offset", p.start_offset)
                      .number("end_offset", p.end_offset)
                      .number("committed_offset", p.committed_offset)
                      .number("committed_ms", p.committed_ms)
                      .number("lag", p.lag)
                      .real("lag_seconds", p.lag_seconds)
                      .real("consume_rate", p.consume_rate)
                      .text("status", lagStatusName(p.status))
                      .text("reason", p.reason)
                      .str();
  }
  partitions += ']';
  return JsonFields()
      .text("group", group.group)
      .text("status", lagStatusName(group.status))
      .number("status_code", static_cast<int>(group.status))
      .number("total_lag", group.total_lag)
      .real("max_lag_seconds", group.max_lag_seconds)
      .number("collected_ms", collected_ms)
      .raw("partitions", partitions)
      .str();
}

std::string groupStatusJson(const GroupLag& group, int64_t collected_ms) {
  std::string not_ok = "[";
  for (const auto& p : group.partitions) {
    if (p.status == LagStatus::kOk) continue;
    if (not_ok.size() > 1) not_ok += ',';
    not_ok += JsonFields()
                  .text("topic", p.topic)
                  .number("partition", p.partition)
                  .text("status", lagStatusName(p.status))
                  .number("status_code", static_cast<int>(p.status))
                  .text("reason", p.reason)
                  .number("lag", p.lag)
                  .str();
  }
  not_ok += ']';
  return JsonFields()
      .text("group", group.group)
      .text("status", lagStatusName(group.status))
      .number("status_code", static_cast<int>(group.status))
      .text("reason", group.reason)
      .number("total_lag", group.total_lag)
      .number("collected_ms", collected_ms)
      .raw("partitions_not_ok", not_ok)
      .str();
}

std::string alertRuleJson(const AlertRuleRecord& rule) {
  return JsonFields()
      .number("id", rule.id)
      .text("name", rule.name)
      .text("group", rule.group_id)
      .text("topic", rule.topic)
      .text("kind", rule.kind)
      .number("threshold", rule.threshold)
      .number("for_ms", rule.for_ms)
      .text("webhook_url", rule.webhook_url)
      .number("created_ms", rule.created_ms)
      .text("created_by", rule.created_by)
      .text("state", rule.state)
      .number("state_since_ms", rule.state_since_ms)
      .real("value", rule.last_value)
      .number("evaluated_ms", rule.evaluated_ms)
      .str();
}

std::string alertEventJson(const AlertEventRecord& event) {
  return JsonFields()
      .number("id", event.id)
      .number("alert_id", event.alert_id)
      .text("alert", event.alert_name)
      .text("group", event.group_id)
      .text("topic", event.topic)
      .text("kind", event.kind)
      .text("event", event.event)
      .number("at_ms", event.at_ms)
      .real("value", event.value)
      .number("threshold", event.threshold)
      .text("message", event.message)
      .str();
}

std::string webhookPayloadJson(const AlertRuleRecord& rule, const AlertEventRecord& event) {
  const std::string alert = JsonFields()
                                .number("id", rule.id)
                                .text("name", rule.name)
                                .text("group", rule.group_id)
                                .text("topic", rule.topic)
                                .text("kind", rule.kind)
                                .number("threshold", rule.threshold)
                                .number("for_ms", rule.for_ms)
                                .str();
  return JsonFields()
      .text("event", event.event)
      .number("event_id", event.id)
      .number("at_ms", event.at_ms)
      .real("value", event.value)
      .text("message", event.message)
      .raw("alert", alert)
      .str();
}

}  // namespace mq
