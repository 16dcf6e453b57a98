#include "storage/group_standby_store.h"

#include "storage/group_store.h"

namespace mq {

bool GroupStandbyStore::active(DbConnection& db, bool exclusive) {
  auto& select = db.prepare(std::string("SELECT active FROM mq_group_standby WHERE id = 1") +
                            (exclusive ? " FOR UPDATE" : " LOCK IN SHARE MODE"));
  auto rows = runQuery(select);
  return rows->next() && rows->getBoolean(1);
}

GroupStandbyStore::Activation GroupStandbyStore::activate(DbConnection& db, int64_t now_ms,
                                                          int64_t quiet_ms) {
  auto& update = db.prepare(
      "UPDATE mq_group_standby SET active = 1, activated_ms = ? "
      "WHERE id = 1 AND active = 0 AND handed_back_ms <= ?");
  update.setInt64(1, now_ms);
  update.setInt64(2, now_ms - quiet_ms);
  if (update.executeUpdate() == 1) {
    GroupStore::renewSessions(db, now_ms);
    return Activation::kActivated;
  }
  auto rows = db.query("SELECT active FROM mq_group_standby WHERE id = 1");
  return rows->next() && rows->getBoolean(1) ? Activation::kAlreadyActive : Activation::kRefused;
}

int64_t GroupStandbyStore::activatedMs(DbConnection& db) {
  auto rows = db.query("SELECT activated_ms FROM mq_group_standby WHERE id = 1");
  return rows->next() ? rows->getInt64(1) : 0;
}

void GroupStandbyStore::markChanged(DbConnection& db, const std::string& group_id) {
  auto& update = db.prepare("UPDATE consumer_groups SET changed_in_standby = 1 WHERE group_id = ?");
  update.setString(1, group_id);
  update.execute();
}

std::vector<std::string> GroupStandbyStore::changedGroups(DbConnection& db) {
  std::vector<std::string> groups;
  auto rows = db.query("SELECT group_id FROM consumer_groups WHERE changed_in_standby = 1");
  while (rows->next()) groups.emplace_back(rows->getString(1));
  return groups;
}

void GroupStandbyStore::deactivate(DbConnection& db, int64_t now_ms) {
  db.execute("UPDATE consumer_groups SET changed_in_standby = 0 WHERE changed_in_standby = 1");
  auto& update =
      db.prepare("UPDATE mq_group_standby SET active = 0, handed_back_ms = ? WHERE id = 1");
  update.setInt64(1, now_ms);
  update.execute();
}

void GroupStandbyStore::putGroup(DbConnection& db, const GroupState& group, int64_t now_ms) {
  GroupState here = GroupStore::loadWith(db, group.group_id, /*for_update=*/true);
  if (here.exists && here.version >= group.version) return;
  GroupStore::replace(db, group, now_ms);
}

}  // namespace mq
