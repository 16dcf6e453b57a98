#include "metaserver/store/group_owner_store.h"

namespace mq {
namespace {

GroupOwnerRecord readOwner(sql::ResultSet& rows) {
  GroupOwnerRecord owner;
  owner.group_id = std::string(rows.getString(1));
  owner.owner_team = std::string(rows.getString(2));
  owner.assigned_ms = rows.getInt64(3);
  owner.assigned_by = std::string(rows.getString(4));
  return owner;
}

}  // namespace

std::optional<GroupOwnerRecord> GroupOwnerStore::find(const std::string& group_id) {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      "SELECT group_id, owner_team, assigned_ms, assigned_by FROM group_owners "
      "WHERE group_id = ?");
  select.setString(1, group_id);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return std::nullopt;
  return readOwner(*rows);
}

std::vector<GroupOwnerRecord> GroupOwnerStore::list() {
  auto db = pool_.acquire();
  auto rows = db->query(
      "SELECT group_id, owner_team, assigned_ms, assigned_by FROM group_owners ORDER BY group_id");
  std::vector<GroupOwnerRecord> owners;
  while (rows->next()) owners.push_back(readOwner(*rows));
  return owners;
}

void GroupOwnerStore::set(const GroupOwnerRecord& owner) {
  auto db = pool_.acquire();
  auto& upsert = db->prepare(
      "INSERT INTO group_owners (group_id, owner_team, assigned_ms, assigned_by) "
      "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE owner_team = VALUES(owner_team), "
      "assigned_ms = VALUES(assigned_ms), assigned_by = VALUES(assigned_by)");
  upsert.setString(1, owner.group_id);
  upsert.setString(2, owner.owner_team);
  upsert.setInt64(3, owner.assigned_ms);
  upsert.setString(4, owner.assigned_by);
  upsert.executeUpdate();
}

bool GroupOwnerStore::remove(const std::string& group_id) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM group_owners WHERE group_id = ?");
  remove.setString(1, group_id);
  return remove.executeUpdate() > 0;
}

}  // namespace mq
