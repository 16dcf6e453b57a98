// mqctl alert create|list|delete|events: consumer lag alert rules on the metaserver (see
// docs/lag-and-alerts.md).
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/options.h"

using mq::client::AdminClient;
using mq::client::AlertEvent;
using mq::client::AlertRule;
using mq::client::NewAlert;

namespace mq::mqctl {

namespace {

// "1234" for whole numbers, "12.3" otherwise.
std::string formatValue(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  return fmt::format("{:.1f}", value);
}

std::string thresholdText(const AlertRule& rule) {
  if (rule.kind == "status") return "not OK";
  if (rule.kind == "lag_seconds") return fmt::format("> {}s", rule.threshold);
  return fmt::format("> {}", rule.threshold);
}

JsonObject alertJson(const AlertRule& rule) {
  JsonObject json;
  json.number("id", rule.id)
      .text("name", rule.name)
      .text("group", rule.group_id)
      .text("topic", rule.topic)
      .text("kind", rule.kind)
      .number("threshold", rule.threshold)
      .number("for_ms", rule.for_ms)
      .text("webhook_url", rule.webhook_url)
      .number("created_ms", rule.created_ms)
      .text("state", rule.state)
      .number("state_since_ms", rule.state_since_ms)
      .number("value", std::llround(rule.value))
      .number("evaluated_ms", rule.evaluated_ms);
  return json;
}

JsonObject eventJson(const AlertEvent& event) {
  JsonObject json;
  json.number("id", event.id)
      .text("alert", event.alert_name)
      .text("group", event.group_id)
      .text("topic", event.topic)
      .text("kind", event.kind)
      .text("event", event.event)
      .number("at_ms", event.at_ms)
      .number("value", std::llround(event.value))
      .number("threshold", event.threshold)
      .text("message", event.message);
  return json;
}

int alertCreate(const Context& context, const ParsedArgs& args) {
  NewAlert alert;
  alert.name = args.positionals[0];
  auto group = args.value("group");
  if (!group) throw UsageError("--group is required");
  alert.group_id = *group;
  alert.topic = args.value("topic").value_or("");
  auto kind = args.value("kind");
  if (!kind) throw UsageError("--kind is required (lag_messages, lag_seconds or status)");
  alert.kind = *kind;
  if (alert.kind != "lag_messages" && alert.kind != "lag_seconds" && alert.kind != "status") {
    throw UsageError(
        fmt::format("--kind must be lag_messages, lag_seconds or status, got `{}`", alert.kind));
  }
  auto threshold = args.value("threshold");
  if (alert.kind != "status") {
    if (!threshold) throw UsageError("--threshold is required for " + alert.kind);
    alert.threshold = parseInteger(*threshold, "--threshold", 0, INT64_MAX / 2);
  } else if (threshold) {
    throw UsageError("--threshold does not apply to a status alert");
  }
  if (auto duration = args.value("for")) {
    if (!parseDurationMs(*duration, &alert.for_ms)) {
      throw UsageError(
          fmt::format("--for expects a duration like 5m, 30s or 0, got `{}`", *duration));
    }
  }
  alert.webhook_url = args.value("webhook").value_or("");
  AdminClient admin(context.adminConfig());
  auto created = admin.createAlert(alert);
  if (context.json) {
    *context.out << alertJson(created).str() << "\n";
  } else {
    *context.out << fmt::format(
        "created alert `{}`: group `{}`{} {} {} for {}\n", created.name, created.group_id,
        created.topic.empty() ? "" : " topic `" + created.topic + "`", created.kind,
        thresholdText(created), created.for_ms == 0 ? "0s" : formatDuration(created.for_ms));
  }
  return 0;
}

int alertList(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  auto alerts = admin.listAlerts();
  if (context.json) {
    for (const auto& alert : alerts) *context.out << alertJson(alert).str() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "GROUP", "TOPIC", "KIND", "CONDITION", "FOR", "STATE", "SINCE", "VALUE", "WEBHOOK"}};
  for (const auto& a : alerts) {
    rows.push_back({a.name, a.group_id, a.topic.empty() ? "*" : a.topic, a.kind, thresholdText(a),
                    a.for_ms == 0 ? "0s" : formatDuration(a.for_ms), a.state,
                    formatTime(a.state_since_ms), formatValue(a.value),
                    a.webhook_url.empty() ? "-" : a.webhook_url});
  }
  *context.out << formatTable(rows);
  return 0;
}

int alertDelete(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  admin.deleteAlert(args.positionals[0]);
  if (context.json) {
    *context.out << JsonObject().text("name", args.positionals[0]).boolean("deleted", true).str()
                 << "\n";
  } else {
    *context.out << fmt::format("deleted alert `{}`\n", args.positionals[0]);
  }
  return 0;
}

int alertEvents(const Context& context, const ParsedArgs& args) {
  int limit = 0;
  if (auto text = args.value("limit")) {
    limit = static_cast<int>(parseInteger(*text, "--limit", 1, 1000));
  }
  AdminClient admin(context.adminConfig());
  auto events = admin.listAlertEvents(args.value("alert").value_or(""), limit);
  if (context.json) {
    for (const auto& event : events) *context.out << eventJson(event).str() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"TIME", "ALERT", "EVENT", "VALUE", "MESSAGE"}};
  for (const auto& e : events) {
    rows.push_back({formatTime(e.at_ms), e.alert_name, e.event, formatValue(e.value), e.message});
  }
  *context.out << formatTable(rows);
  return 0;
}

}  // namespace

std::vector<Command> alertCommands() {
  return {
      {"alert create",
       "NAME",
       "create a consumer lag alert",
       "Fires when the condition has held for --for, resolves when it stops holding; each\n"
       "transition is an event (`alert events`) POSTed as JSON to --webhook.\n"
       "Kinds: lag_messages (the group's total lag > threshold), lag_seconds (the age of its\n"
       "oldest unconsumed message > threshold seconds), status (the group's status is not OK).",
       {{"group", "GROUP", "consumer group (required)"},
        {"topic", "TOPIC", "only this topic of the group (default: every topic)"},
        {"kind", "KIND", "lag_messages, lag_seconds or status (required)"},
        {"threshold", "N", "messages or seconds (required unless --kind status)"},
        {"for", "DURATION", "how long the condition must hold: 5m, 30s (default: 0)"},
        {"webhook", "URL", "http:// URL to POST firing and resolved events to"}},
       1,
       alertCreate},
      {"alert list", "", "list lag alerts with their state", "", {}, 0, alertList},
      {"alert delete", "NAME", "delete a lag alert (its events are kept)", "", {}, 1, alertDelete},
      {"alert events",
       "",
       "show firing and resolved events, newest first",
       "",
       {{"alert", "NAME", "only this alert's events"},
        {"limit", "N", "at most N events (1..1000, default 100)"}},
       0,
       alertEvents},
  };
}

}  // namespace mq::mqctl
