#include "tests/harness/row_lock.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace mq::test {

RowLock::RowLock(DbPool& pool, const std::string& table) : lease_(pool.acquire()) {
  lease_->execute("START TRANSACTION");
  auto rows = lease_->query(fmt::format(
      "SELECT next_offset FROM mq_partition_state WHERE table_name = '{}' FOR UPDATE", table));
  EXPECT_TRUE(rows->next()) << table;
}

void RowLock::release() {
  if (released_) return;
  released_ = true;
  lease_->execute("ROLLBACK");
}

int64_t waitingConnection(DbPool& pool, const std::string& database) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (std::chrono::steady_clock::now() < deadline) {
    auto rows = pool.acquire()->query(fmt::format(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{}' AND COMMAND = 'Query' "
        "AND INFO LIKE '%mq_partition_state FORCE INDEX (PRIMARY)%' AND ID <> CONNECTION_ID()",
        database));
    std::vector<int64_t> ids;
    while (rows->next()) ids.push_back(rows->getInt64(1));
    if (ids.size() == 1) return ids[0];
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "no broker transaction is waiting for the test's row lock in " << database;
  return -1;
}

}  // namespace mq::test
