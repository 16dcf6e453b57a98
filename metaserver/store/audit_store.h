// Reads of the audit log (audit_log, sql/meta/001; written through MetaStore::audit) for
// the portal's audit page: newest first, filtered by actor, object or action, paged by id.
// Throws sql::SQLException on database errors. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

struct AuditRecord {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string actor;
  std::string action;
  std::string object;
  std::string before_json;  // "" when there was no before
  std::string after_json;   // "" when there is no after
};

struct AuditQuery {
  std::string actor;      // "" = any; otherwise exact (ix_audit_actor)
  std::string object;     // "" = any; otherwise exact (ix_audit_object)
  std::string action;     // "" = any; otherwise exact
  int64_t before_id = 0;  // > 0: only rows with a smaller id (the next, older page)
  int64_t after_id = 0;   // > 0: only rows with a larger id, the `limit` oldest of them (the
                          // newer page); still answered newest first
  int limit = 100;        // 1..1000
};

class AuditStore {
 public:
  explicit AuditStore(DbPool& pool) : pool_(pool) {}

  // Matching rows, newest (highest id) first. With an actor or object filter the matching
  // index is walked backwards from before_id; otherwise the primary key is.
  std::vector<AuditRecord> list(const AuditQuery& query);

 private:
  DbPool& pool_;
};

}  // namespace mq
