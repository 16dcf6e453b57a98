#include "metaserver/lag/alert_service.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "metaserver/lag/alert_evaluation.h"
#include "metaserver/lag/lag_json.h"
#include "server/http_client.h"

namespace mq {
namespace {

constexpr int64_t kMaxForMs = 30LL * 24 * 3600 * 1000;
constexpr int64_t kEventRetentionMs = 30LL * 24 * 3600 * 1000;
constexpr int64_t kTrimIntervalMs = 3600 * 1000;
// A rule whose state and value did not change is still saved this often, so its
// evaluated_ms shows the collector is alive.
constexpr int64_t kRefreshMs = 30000;

bool nameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

prometheus::Family<prometheus::Counter>& eventsFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("mq_alert_events_total")
      .Help("Lag alert events recorded, by event (firing, resolved).")
      .Register(registry);
}

}  // namespace

AlertService::AlertService(AlertStore& store, WebhookNotifier& webhooks, AuditTrail& audit,
                           prometheus::Registry& registry)
    : store_(store),
      webhooks_(webhooks),
      audit_(audit),
      firing_(prometheus::BuildGauge()
                  .Name("mq_alerts_firing")
                  .Help("Lag alert rules firing after the last evaluation.")
                  .Register(registry)
                  .Add({})),
      fired_events_(eventsFamily(registry).Add({{"event", "firing"}})),
      resolved_events_(eventsFamily(registry).Add({{"event", "resolved"}})) {}

std::optional<AlertRuleProblem> AlertService::validate(AlertRuleRecord& rule) {
  const auto problem = [](const char* field, std::string message) {
    return AlertRuleProblem{field, std::move(message)};
  };
  const char* name_rule = "alert name must be 1 to 128 characters from [A-Za-z0-9._-]";
  if (rule.name.empty() || rule.name.size() > 128) return problem("name", name_rule);
  for (char c : rule.name) {
    if (!nameChar(c)) return problem("name", name_rule);
  }
  if (rule.name == "events") {
    return problem("name", "`events` is reserved (it names /api/alerts/events)");
  }
  if (rule.group_id.empty() || rule.group_id.size() > 255) {
    return problem("group", "alert group must be 1 to 255 characters");
  }
  if (!rule.topic.empty()) {
    if (auto topic = topicNameProblem(rule.topic))
      return problem("topic", "alert topic: " + *topic);
  }
  auto kind = parseAlertKind(rule.kind);
  if (!kind) {
    return problem("kind", fmt::format("alert kind must be lag_messages, lag_seconds or status, "
                                       "got `{}`",
                                       rule.kind));
  }
  if (*kind == AlertKind::kStatus) {
    rule.threshold = 0;
  } else if (rule.threshold < 0) {
    return problem("threshold", "alert threshold must not be negative");
  }
  if (rule.for_ms < 0 || rule.for_ms > kMaxForMs) {
    return problem("for", "alert duration (for) must be between 0 and 30 days");
  }
  if (!rule.webhook_url.empty()) {
    if (rule.webhook_url.size() > 2048) {
      return problem("webhook_url", "webhook URL must be at most 2048 characters");
    }
    std::string why;
    if (!HttpUrl::parse(rule.webhook_url, &why))
      return problem("webhook_url", "webhook URL: " + why);
  }
  return std::nullopt;
}

std::optional<AlertRuleProblem> AlertService::check(AlertRuleRecord& rule) {
  if (auto problem = validate(rule)) return problem;
  if (!store_.groupKnown(rule.group_id)) {
    return AlertRuleProblem{
        "group", fmt::format("there is no consumer group `{}`: it has no members, committed "
                             "offsets or owner team yet (set its owner team first to watch a "
                             "group before it consumes)",
                             rule.group_id)};
  }
  if (store_.findRule(rule.name)) {
    return AlertRuleProblem{"name", fmt::format("an alert named `{}` already exists", rule.name)};
  }
  return std::nullopt;
}

AlertRuleRecord AlertService::create(const std::string& actor, AlertRuleRecord rule) {
  if (auto problem = check(rule)) throwError(rpc::ErrorCode::INVALID_REQUEST, problem->message);
  rule.created_ms = nowMs();
  rule.created_by = actor.substr(0, 128);
  rule.state = "ok";
  rule.state_since_ms = rule.created_ms;
  rule.last_value = 0;
  rule.evaluated_ms = 0;
  AuditTrail::Change change(audit_);
  auto created = store_.insertRule(rule);
  if (!created) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("an alert named `{}` already exists", rule.name));
  }
  logInfo("alert created")
      .kv("alert", created->name)
      .kv("group", created->group_id)
      .kv("kind", created->kind)
      .kv("actor", actor);
  audit_.record(actor, "alert.create", created->name, "", alertRuleJson(*created));
  change.commit();
  return *created;
}

std::vector<AlertRuleRecord> AlertService::list() { return store_.listRules(); }

std::optional<AlertRuleRecord> AlertService::find(const std::string& name) {
  return store_.findRule(name);
}

void AlertService::remove(const std::string& actor, const std::string& name) {
  AuditTrail::Change change(audit_);
  auto removed = store_.deleteRule(name);
  if (!removed) {
    throwError(rpc::ErrorCode::INVALID_REQUEST, fmt::format("no alert named `{}`", name));
  }
  logInfo("alert deleted").kv("alert", name).kv("actor", actor);
  audit_.record(actor, "alert.delete", name, alertRuleJson(*removed), "");
  change.commit();
}

std::vector<AlertEventRecord> AlertService::events(const std::string& alert_name, int limit) {
  if (limit < 0 || limit > kMaxAlertEventsLimit) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("limit must be 0..{}, got {}", kMaxAlertEventsLimit, limit));
  }
  return store_.listEvents(alert_name, limit == 0 ? kDefaultAlertEventsLimit : limit);
}

int AlertService::evaluate(const LagSnapshot& snapshot, int64_t now_ms) {
  int statements = 1;
  int firing = 0;
  for (AlertRuleRecord rule : store_.listRules()) {
    auto kind = parseAlertKind(rule.kind);
    if (!kind) continue;  // validated on create; a hand-edited row is skipped
    const auto condition =
        evaluateAlertCondition(*kind, rule.threshold, rule.group_id, rule.topic, snapshot);
    const AlertState before = parseAlertState(rule.state);
    const auto next =
        advanceAlert(before, rule.state_since_ms, condition.holds, rule.for_ms, now_ms);
    if (next.state == AlertState::kFiring) firing++;
    const bool changed = next.state != before || next.since_ms != rule.state_since_ms ||
                         condition.value != rule.last_value || next.event != nullptr;
    if (!changed && now_ms - rule.evaluated_ms < kRefreshMs) continue;

    rule.state = alertStateName(next.state);
    rule.state_since_ms = next.since_ms;
    rule.last_value = condition.value;
    rule.evaluated_ms = now_ms;
    AlertEventRecord event;
    if (next.event) {
      event.alert_id = rule.id;
      event.alert_name = rule.name;
      event.group_id = rule.group_id;
      event.topic = rule.topic;
      event.kind = rule.kind;
      event.event = next.event;
      event.at_ms = now_ms;
      event.value = condition.value;
      event.threshold = rule.threshold;
      event.message = condition.message;
    }
    statements += next.event ? 4 : 2;
    auto event_id = store_.saveEvaluation(rule, next.event ? &event : nullptr);
    if (!event_id || !next.event) continue;  // deleted meanwhile, or no event
    event.id = *event_id;
    (next.state == AlertState::kFiring ? fired_events_ : resolved_events_).Increment();
    logInfo(next.state == AlertState::kFiring ? "alert firing" : "alert resolved")
        .kv("alert", rule.name)
        .kv("group", rule.group_id)
        .kv("value", condition.value)
        .kv("message", condition.message);
    if (!rule.webhook_url.empty()) {
      webhooks_.notify(rule.webhook_url, webhookPayloadJson(rule, event),
                       fmt::format("alert `{}` {}", rule.name, event.event));
    }
  }
  firing_.Set(firing);
  if (now_ms - last_trim_ms_ >= kTrimIntervalMs) {
    last_trim_ms_ = now_ms;
    statements++;
    store_.deleteEventsBefore(now_ms - kEventRetentionMs, 10000);
  }
  return statements;
}

}  // namespace mq
