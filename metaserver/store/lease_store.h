// The `leases` table (sql/meta/003_lag_alerts.sql): named leases that at most one process
// holds at a time, so a background job (the lag collector) runs in one metaserver only.
//
// Expiry is measured on the database server's clock, so the holders' clocks need not agree.
// Taking and renewing is one conditional UPDATE (`WHERE holder = me OR expires_ms < now`,
// a primary-key write) followed by a read of the row; a missing row is created with
// INSERT IGNORE. Two contenders serialise on the row lock: exactly one wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/db_pool.h"

namespace mq {

struct LeaseHolder {
  std::string holder;
  int64_t expires_ms = 0;  // database time
  bool expired = false;
};

class LeaseStore {
 public:
  explicit LeaseStore(DbPool& pool) : pool_(pool) {}

  // Takes `name` for `holder` until (database) now + duration_ms when it is free, expired
  // or already held by `holder` (a renewal). Returns true when `holder` holds it now.
  // Throws sql::SQLException.
  bool acquire(const std::string& name, const std::string& holder, int64_t duration_ms);

  // Lets the lease expire now if `holder` holds it, so another process can take it at once.
  void release(const std::string& name, const std::string& holder);

  // Who holds `name` (possibly expired), or nullopt when nobody ever took it.
  std::optional<LeaseHolder> current(const std::string& name);

 private:
  std::optional<LeaseHolder> read(DbConnection& db, const std::string& name);
  DbPool& pool_;
};

}  // namespace mq
