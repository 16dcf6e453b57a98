// Which team owns each consumer group (sql/meta/006: group_owners): every SQL statement on
// that table. Methods throw sql::SQLException on database errors. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

struct GroupOwnerRecord {
  std::string group_id;
  std::string owner_team;
  int64_t assigned_ms = 0;
  std::string assigned_by;  // the audit actor who set it
};

class GroupOwnerStore {
 public:
  explicit GroupOwnerStore(DbPool& pool) : pool_(pool) {}

  std::optional<GroupOwnerRecord> find(const std::string& group_id);
  // Every group with an owner, by group.
  std::vector<GroupOwnerRecord> list();
  // Sets (or replaces) the group's owner.
  void set(const GroupOwnerRecord& owner);
  // False when the group had no owner.
  bool remove(const std::string& group_id);

 private:
  DbPool& pool_;
};

}  // namespace mq
