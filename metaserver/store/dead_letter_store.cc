#include "metaserver/store/dead_letter_store.h"

namespace mq {
namespace {

constexpr const char* kColumns =
    "SELECT group_id, topic, retry_topic, dead_letter_topic, owner_team, created_ms "
    "FROM dead_letter_topics ";

DeadLetterRecord readRecord(sql::ResultSet& rows) {
  DeadLetterRecord record;
  record.group_id = std::string(rows.getString(1));
  record.topic = std::string(rows.getString(2));
  record.retry_topic = std::string(rows.getString(3));
  record.dead_letter_topic = std::string(rows.getString(4));
  record.owner_team = std::string(rows.getString(5));
  record.created_ms = rows.getInt64(6);
  return record;
}

}  // namespace

std::optional<DeadLetterRecord> DeadLetterStore::find(const std::string& group_id,
                                                      const std::string& topic) {
  auto db = pool_.acquire();
  auto& select = db->prepare(std::string(kColumns) + "WHERE group_id = ? AND topic = ?");
  select.setString(1, group_id);
  select.setString(2, topic);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return std::nullopt;
  return readRecord(*rows);
}

std::optional<DeadLetterRecord> DeadLetterStore::findByTopicName(const std::string& name) {
  auto db = pool_.acquire();
  // Two unique-key lookups.
  auto& select = db->prepare(std::string(kColumns) + "WHERE retry_topic = ? UNION ALL " + kColumns +
                             "WHERE dead_letter_topic = ?");
  select.setString(1, name);
  select.setString(2, name);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return std::nullopt;
  return readRecord(*rows);
}

std::vector<DeadLetterRecord> DeadLetterStore::list(const std::string& group_id) {
  auto db = pool_.acquire();
  auto& select =
      db->prepare(std::string(kColumns) + "WHERE ? = '' OR group_id = ? ORDER BY group_id, topic");
  select.setString(1, group_id);
  select.setString(2, group_id);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<DeadLetterRecord> records;
  while (rows->next()) records.push_back(readRecord(*rows));
  return records;
}

bool DeadLetterStore::insert(const DeadLetterRecord& record) {
  auto db = pool_.acquire();
  auto& insert = db->prepare(
      "INSERT IGNORE INTO dead_letter_topics (group_id, topic, retry_topic, dead_letter_topic, "
      "owner_team, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
  insert.setString(1, record.group_id);
  insert.setString(2, record.topic);
  insert.setString(3, record.retry_topic);
  insert.setString(4, record.dead_letter_topic);
  insert.setString(5, record.owner_team);
  insert.setInt64(6, record.created_ms);
  return insert.executeUpdate() > 0;
}

}  // namespace mq
