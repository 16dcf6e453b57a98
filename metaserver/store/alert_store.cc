#include "metaserver/store/alert_store.h"

#include <fmt/format.h>

namespace mq {
namespace {

constexpr const char* kRuleColumns =
    "id, name, group_id, topic, kind, threshold, for_ms, webhook_url, created_ms, created_by, "
    "state, state_since_ms, last_value, evaluated_ms";

constexpr const char* kEventColumns =
    "id, alert_id, alert_name, group_id, topic, kind, event, at_ms, value, threshold, message";

AlertRuleRecord readRule(sql::ResultSet& rows) {
  AlertRuleRecord rule;
  rule.id = rows.getInt64(1);
  rule.name = columnText(rows, 2);
  rule.group_id = columnText(rows, 3);
  rule.topic = columnText(rows, 4);
  rule.kind = columnText(rows, 5);
  rule.threshold = rows.getInt64(6);
  rule.for_ms = rows.getInt64(7);
  rule.webhook_url = columnText(rows, 8);
  rule.created_ms = rows.getInt64(9);
  rule.created_by = columnText(rows, 10);
  rule.state = columnText(rows, 11);
  rule.state_since_ms = rows.getInt64(12);
  rule.last_value = static_cast<double>(rows.getDouble(13));
  rule.evaluated_ms = rows.getInt64(14);
  return rule;
}

AlertEventRecord readEvent(sql::ResultSet& rows) {
  AlertEventRecord event;
  event.id = rows.getInt64(1);
  event.alert_id = rows.getInt64(2);
  event.alert_name = columnText(rows, 3);
  event.group_id = columnText(rows, 4);
  event.topic = columnText(rows, 5);
  event.kind = columnText(rows, 6);
  event.event = columnText(rows, 7);
  event.at_ms = rows.getInt64(8);
  event.value = static_cast<double>(rows.getDouble(9));
  event.threshold = rows.getInt64(10);
  event.message = columnText(rows, 11);
  return event;
}

std::optional<AlertRuleRecord> findRuleWith(DbConnection& db, const std::string& name,
                                            bool for_update) {
  auto& select = db.prepare(fmt::format("SELECT {} FROM alert_rules WHERE name = ?{}", kRuleColumns,
                                        for_update ? " FOR UPDATE" : ""));
  select.setString(1, name);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  return readRule(*rows);
}

}  // namespace

std::optional<AlertRuleRecord> AlertStore::insertRule(AlertRuleRecord rule) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT INTO alert_rules (name, group_id, topic, kind, threshold, for_ms, webhook_url, "
      "created_ms, created_by, state, state_since_ms, last_value, evaluated_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.setString(1, rule.name);
  insert.setString(2, rule.group_id);
  insert.setString(3, rule.topic);
  insert.setString(4, rule.kind);
  insert.setInt64(5, rule.threshold);
  insert.setInt64(6, rule.for_ms);
  insert.setString(7, rule.webhook_url);
  insert.setInt64(8, rule.created_ms);
  insert.setString(9, rule.created_by);
  insert.setString(10, rule.state);
  insert.setInt64(11, rule.state_since_ms);
  insert.setDouble(12, rule.last_value);
  insert.setInt64(13, rule.evaluated_ms);
  if (!executeInsertUnlessDuplicate(insert)) return std::nullopt;
  auto id = db->query("SELECT LAST_INSERT_ID()");
  if (id->next()) rule.id = id->getInt64(1);
  return rule;
}

bool AlertStore::groupKnown(const std::string& group_id) {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      "SELECT EXISTS(SELECT 1 FROM consumer_groups WHERE group_id = ?) OR "
      "EXISTS(SELECT 1 FROM committed_offsets WHERE group_id = ?) OR "
      "EXISTS(SELECT 1 FROM group_owners WHERE group_id = ?)");
  for (int i = 1; i <= 3; ++i) select.setString(i, group_id);
  auto rows = runQuery(select);
  return rows->next() && rows->getInt(1) != 0;
}

std::vector<AlertRuleRecord> AlertStore::listRules() {
  auto db = pool_.acquire();
  auto rows =
      runQuery(db->prepare(fmt::format("SELECT {} FROM alert_rules ORDER BY name", kRuleColumns)));
  std::vector<AlertRuleRecord> rules;
  while (rows->next()) rules.push_back(readRule(*rows));
  return rules;
}

std::optional<AlertRuleRecord> AlertStore::findRule(const std::string& name) {
  auto db = pool_.acquire();
  return findRuleWith(*db, name, false);
}

std::optional<AlertRuleRecord> AlertStore::deleteRule(const std::string& name) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto rule = findRuleWith(*db, name, true);
  if (!rule) return std::nullopt;
  auto& remove = db->prepare("DELETE FROM alert_rules WHERE id = ?");
  remove.setInt64(1, rule->id);
  remove.execute();
  transaction.commit();
  return rule;
}

std::optional<int64_t> AlertStore::saveEvaluation(const AlertRuleRecord& rule,
                                                  const AlertEventRecord* event) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& update = db->prepare(
      "UPDATE alert_rules SET state = ?, state_since_ms = ?, last_value = ?, evaluated_ms = ? "
      "WHERE id = ?");
  update.setString(1, rule.state);
  update.setInt64(2, rule.state_since_ms);
  update.setDouble(3, rule.last_value);
  update.setInt64(4, rule.evaluated_ms);
  update.setInt64(5, rule.id);
  if (update.executeUpdate() == 0) {
    // Deleted meanwhile, or nothing changed at all (same values): tell them apart.
    auto& exists = db->prepare("SELECT 1 FROM alert_rules WHERE id = ?");
    exists.setInt64(1, rule.id);
    if (!runQuery(exists)->next()) return std::nullopt;
  }
  int64_t event_id = 0;
  if (event) {
    auto& insert = db->prepare(
        "INSERT INTO alert_events (alert_id, alert_name, group_id, topic, kind, event, at_ms, "
        "value, threshold, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setInt64(1, event->alert_id);
    insert.setString(2, event->alert_name);
    insert.setString(3, event->group_id);
    insert.setString(4, event->topic);
    insert.setString(5, event->kind);
    insert.setString(6, event->event);
    insert.setInt64(7, event->at_ms);
    insert.setDouble(8, event->value);
    insert.setInt64(9, event->threshold);
    insert.setString(10, event->message.substr(0, 1024));
    insert.execute();
    auto id = db->query("SELECT LAST_INSERT_ID()");
    if (id->next()) event_id = id->getInt64(1);
  }
  transaction.commit();
  return event_id;
}

std::vector<AlertEventRecord> AlertStore::listEvents(const std::string& alert_name, int limit) {
  auto db = pool_.acquire();
  std::unique_ptr<sql::ResultSet> rows;
  if (alert_name.empty()) {
    auto& select = db->prepare(
        fmt::format("SELECT {} FROM alert_events ORDER BY id DESC LIMIT ?", kEventColumns));
    select.setInt(1, limit);
    rows = runQuery(select);
  } else {
    auto& select = db->prepare(
        fmt::format("SELECT {} FROM alert_events WHERE alert_name = ? ORDER BY id DESC LIMIT ?",
                    kEventColumns));
    select.setString(1, alert_name);
    select.setInt(2, limit);
    rows = runQuery(select);
  }
  std::vector<AlertEventRecord> events;
  while (rows->next()) events.push_back(readEvent(*rows));
  return events;
}

int AlertStore::deleteEventsBefore(int64_t before_ms, int limit) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM alert_events WHERE at_ms < ? ORDER BY at_ms LIMIT ?");
  remove.setInt64(1, before_ms);
  remove.setInt(2, limit);
  return remove.executeUpdate();
}

}  // namespace mq
