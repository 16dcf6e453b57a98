// The statements only the consumer groups' standby has (sql/datanode/009): its mode row and
// which groups changed in it. Its group tables are the metadata database's, so the rest is
// GroupStore's. The broker decides when to use it (broker/group/group_database.h).
#pragma once

#include <string>
#include <vector>

#include "storage/db_pool.h"
#include "storage/group_records.h"

namespace mq {

class GroupStandbyStore {
 public:
  // Whether the standby is active, locking its mode row: shared for a group call, which
  // then runs only while the standby stays active; exclusive for the hand-back, which waits
  // for those calls and holds new ones off. Inside a transaction.
  static bool active(DbConnection& db, bool exclusive);
  // Makes it active unless it was handed back less than `quiet_ms` ago (a broker that has not
  // noticed yet that the metadata database is back must not take the groups away from it
  // again); when it activates, starts every member's session again at `now_ms` (the copies
  // hold the heartbeats of their last change). Autocommit.
  enum class Activation { kRefused, kAlreadyActive, kActivated };
  static Activation activate(DbConnection& db, int64_t now_ms, int64_t quiet_ms);
  // When it became active (inside the hand-back's transaction).
  static int64_t activatedMs(DbConnection& db);
  // Inside a group call's transaction: the group changed here.
  static void markChanged(DbConnection& db, const std::string& group_id);
  static std::vector<std::string> changedGroups(DbConnection& db);
  // Ends the hand-back: nothing changed here any more, not active, handed back at `now_ms`.
  static void deactivate(DbConnection& db, int64_t now_ms);
  // Copies a group from the metadata database unless the copy here is as new (version) or
  // newer. Inside a transaction.
  static void putGroup(DbConnection& db, const GroupState& group, int64_t now_ms);
};

}  // namespace mq
