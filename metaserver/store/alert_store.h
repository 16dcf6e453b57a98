// Every SQL statement on the lag alert tables (sql/meta/003_lag_alerts.sql): alert rules,
// their evaluation state, and the history of firing and resolved events.
//
// Index use: rules are few and read whole (every collector cycle); a rule is found, changed
// and deleted by its primary key or its unique name; events are listed newest first through
// ix_alert_events_name (one alert) or the primary key (all), and trimmed through
// ix_alert_events_at. Methods throw sql::SQLException.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

struct AlertRuleRecord {
  int64_t id = 0;
  std::string name;
  std::string group_id;
  std::string topic;  // "" = every topic of the group
  std::string kind;   // lag_messages, lag_seconds, status
  int64_t threshold = 0;
  int64_t for_ms = 0;
  std::string webhook_url;
  int64_t created_ms = 0;
  std::string created_by;
  std::string state = "ok";  // ok, pending, firing
  int64_t state_since_ms = 0;
  double last_value = 0;
  int64_t evaluated_ms = 0;
};

struct AlertEventRecord {
  int64_t id = 0;
  int64_t alert_id = 0;
  std::string alert_name;
  std::string group_id;
  std::string topic;
  std::string kind;
  std::string event;  // firing, resolved
  int64_t at_ms = 0;
  double value = 0;
  int64_t threshold = 0;
  std::string message;
};

class AlertStore {
 public:
  explicit AlertStore(DbPool& pool) : pool_(pool) {}

  // Inserts the rule (id filled in). Returns nullopt when the name is taken.
  std::optional<AlertRuleRecord> insertRule(AlertRuleRecord rule);
  std::vector<AlertRuleRecord> listRules();
  std::optional<AlertRuleRecord> findRule(const std::string& name);
  // Deletes the rule and returns it as it was, or nullopt when there is no such rule.
  std::optional<AlertRuleRecord> deleteRule(const std::string& name);
  // Whether the consumer group is known: it has a row in consumer_groups (members now or
  // before), committed offsets, or an owner team.
  bool groupKnown(const std::string& group_id);

  // Saves one evaluation of `rule` (state, state_since_ms, last_value, evaluated_ms) and, when
  // given, the event it caused, in one transaction. Returns the event's id (0 without one),
  // or nullopt when the rule was deleted meanwhile (then nothing is written).
  std::optional<int64_t> saveEvaluation(const AlertRuleRecord& rule, const AlertEventRecord* event);

  // Newest first; every alert's when `alert_name` is empty. REQUIRES: limit > 0.
  std::vector<AlertEventRecord> listEvents(const std::string& alert_name, int limit);
  // Deletes up to `limit` events older than `before_ms`; returns how many.
  int deleteEventsBefore(int64_t before_ms, int limit);

 private:
  DbPool& pool_;
};

}  // namespace mq
