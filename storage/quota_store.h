// Every SQL statement on rate quotas (sql/meta/010: quotas). Methods throw sql::SQLException
// on database errors. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/quota.h"
#include "storage/db_pool.h"

namespace mq {

class QuotaStore {
 public:
  explicit QuotaStore(DbPool& pool) : pool_(pool) {}

  // Creates or replaces the entry of (entity_type, entity_name).
  void upsert(const QuotaDefinition& quota);
  // False when there was no such entry.
  bool remove(QuotaEntityType type, const std::string& name);
  // Every entry, ordered by entity type and name (one SELECT of a small table; brokers
  // run it every auth-refresh).
  std::vector<QuotaDefinition> list();

 private:
  DbPool& pool_;
};

}  // namespace mq
