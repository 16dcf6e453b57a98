// Lag alert rules: validated create, list and delete (MetaService RPCs, the HTTP API and
// mqctl alert), their event history, and their evaluation against every lag collector
// snapshot (see alert_evaluation.h for the rules). Each evaluation that moves a rule to
// firing or back records an event in the metadata database and queues a webhook POST
// (webhook_notifier.h), so the collector never waits on a receiver.
//
// Metrics: mq_alerts_firing (rules firing after the last evaluation) and
// mq_alert_events_total{event} (firing and resolved events recorded).
// Thread-safe; evaluate() is called by the active collector's thread only.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "metaserver/lag/lag_snapshot.h"
#include "metaserver/lag/webhook_notifier.h"
#include "metaserver/store/alert_store.h"

namespace mq {

inline constexpr int kDefaultAlertEventsLimit = 100;
inline constexpr int kMaxAlertEventsLimit = 1000;

// What is wrong with a new rule: the request field to blame (as the HTTP API names it: name,
// group, topic, kind, threshold, for, webhook_url) and the message.
struct AlertRuleProblem {
  std::string field;
  std::string message;
};

class AlertService {
 public:
  AlertService(AlertStore& store, WebhookNotifier& webhooks, AuditTrail& audit,
               prometheus::Registry& registry);

  // Validates `rule` (name, group, topic, kind, threshold, for_ms, webhook_url), checks that
  // its group is known (AlertStore::groupKnown) and records it in state ok. Throws MqError
  // INVALID_REQUEST naming the problem (also when the name is taken or the group unknown).
  // `actor` goes to the audit log. Database errors propagate as sql::SQLException.
  AlertRuleRecord create(const std::string& actor, AlertRuleRecord rule);
  // What create() would refuse `rule` for, with the field to blame, or nullopt (a name taken
  // meanwhile is still refused by create()). Normalises `rule` as validate() does.
  std::optional<AlertRuleProblem> check(AlertRuleRecord& rule);
  std::vector<AlertRuleRecord> list();
  std::optional<AlertRuleRecord> find(const std::string& name);
  // Deletes the rule (its events stay). Throws MqError INVALID_REQUEST when there is none.
  void remove(const std::string& actor, const std::string& name);
  // Newest first; `limit` 0 means kDefaultAlertEventsLimit. Throws MqError INVALID_REQUEST
  // for a limit outside 0..kMaxAlertEventsLimit.
  std::vector<AlertEventRecord> events(const std::string& alert_name, int limit);

  // Evaluates every rule against `snapshot` at `now_ms`: saves changed states, records
  // events, queues notifications. Throws sql::SQLException (the collector logs it and tries
  // again next cycle). Returns the number of SQL statements it ran.
  int evaluate(const LagSnapshot& snapshot, int64_t now_ms);

  // What is wrong with `rule` as a new rule, or nullopt. Normalises it (status rules get
  // threshold 0). Reads nothing from the database.
  static std::optional<AlertRuleProblem> validate(AlertRuleRecord& rule);

 private:
  AlertStore& store_;
  WebhookNotifier& webhooks_;
  AuditTrail& audit_;
  prometheus::Gauge& firing_;
  prometheus::Counter& fired_events_;
  prometheus::Counter& resolved_events_;
  int64_t last_trim_ms_ = 0;
};

}  // namespace mq
