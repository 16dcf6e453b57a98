// Stopping a broker's group commit at a known point: a transaction of the test's own holds
// a partition's state-row lock, and the broker's connection is seen waiting for it.
#pragma once

#include <cstdint>
#include <string>

#include "storage/db_pool.h"

namespace mq::test {

// A transaction of the test's own holding a partition's state-row lock.
class RowLock {
 public:
  RowLock(DbPool& pool, const std::string& table);
  ~RowLock() { release(); }
  RowLock(const RowLock&) = delete;
  RowLock& operator=(const RowLock&) = delete;
  void release();

 private:
  DbPool::Lease lease_;
  bool released_ = false;
};

// The connection id of the broker's transaction blocked in its state-row lock (SELECT ...
// FOR UPDATE, or the UPDATE of a group sent in one round trip) in `database`, once there is
// exactly one (up to 8 s; the server's lock wait timeout is 10 s); -1 and a test failure if
// none shows.
int64_t waitingConnection(DbPool& pool, const std::string& database);

}  // namespace mq::test
