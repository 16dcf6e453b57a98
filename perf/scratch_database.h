// A scratch database for the benchmarks that measure the database alone (mq-perf raw,
// mq-sync-floor): created on construction, refusing one that exists, and dropped on
// destruction (also after a failure).
#pragma once

#include <memory>
#include <string>

#include "storage/db_pool.h"

namespace mq::perf {

class ScratchDatabase {
 public:
  // Throws std::invalid_argument when target.database already exists.
  explicit ScratchDatabase(const DbTarget& target);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

 private:
  std::string name_;
  std::unique_ptr<DbPool> admin_;
};

}  // namespace mq::perf
