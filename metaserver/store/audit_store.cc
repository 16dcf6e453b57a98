#include "metaserver/store/audit_store.h"

#include <algorithm>

namespace mq {

std::vector<AuditRecord> AuditStore::list(const AuditQuery& query) {
  // One statement text per combination of filters (at most 32), each prepared once per
  // connection.
  std::string sql =
      "SELECT id, at_ms, actor, action, object, before_json, after_json FROM audit_log WHERE 1";
  if (!query.actor.empty()) sql += " AND actor = ?";
  if (!query.object.empty()) sql += " AND object = ?";
  if (!query.action.empty()) sql += " AND action = ?";
  if (query.before_id > 0) sql += " AND id < ?";
  if (query.after_id > 0) sql += " AND id > ?";
  sql += query.after_id > 0 ? " ORDER BY id ASC LIMIT ?" : " ORDER BY id DESC LIMIT ?";
  auto db = pool_.acquire();
  auto& select = db->prepare(sql);
  int column = 1;
  if (!query.actor.empty()) select.setString(column++, query.actor);
  if (!query.object.empty()) select.setString(column++, query.object);
  if (!query.action.empty()) select.setString(column++, query.action);
  if (query.before_id > 0) select.setInt64(column++, query.before_id);
  if (query.after_id > 0) select.setInt64(column++, query.after_id);
  select.setInt(column, std::clamp(query.limit, 1, 1000));
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<AuditRecord> records;
  while (rows->next()) {
    AuditRecord record;
    record.id = rows->getInt64(1);
    record.at_ms = rows->getInt64(2);
    record.actor = std::string(rows->getString(3));
    record.action = std::string(rows->getString(4));
    record.object = std::string(rows->getString(5));
    if (!rows->isNull(6)) record.before_json = std::string(rows->getString(6));
    if (!rows->isNull(7)) record.after_json = std::string(rows->getString(7));
    records.push_back(std::move(record));
  }
  if (query.after_id > 0) std::reverse(records.begin(), records.end());  // newest first
  return records;
}

}  // namespace mq
