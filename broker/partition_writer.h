// Group commit for one partition. Concurrent produce requests for the same partition are
// combined into one database transaction: the first caller to find the partition idle
// becomes the leader, takes every batch queued so far (up to a byte bound), appends them
// with one multi-row INSERT and one COMMIT, and hands each caller its base offset. Callers
// that arrived meanwhile form the next group. One fsync then acknowledges many requests,
// which is what makes many small synchronous producers fast.
//
// Batches keep their order and stay contiguous: a batch's messages get consecutive offsets.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/db_pool.h"
#include "common/partition_store.h"
#include "mq_types.h"

namespace mq {

class PartitionWriter {
 public:
  // `pool` is the datanode's pool; `table` the partition's table.
  PartitionWriter(std::string table, int64_t max_group_bytes);

  // Appends `batch` (its messages in order, contiguously) in a group commit and fills in
  // its outcome (see AppendBatch) once the transaction is committed. Throws what the
  // database threw; then nothing of this batch was appended, unless the COMMIT itself
  // failed (outcome unknown: at-least-once without an idempotent producer).
  void append(DbPool& pool, AppendBatch& batch, int64_t batch_bytes);

 private:
  struct Pending {
    AppendBatch* batch = nullptr;
    int64_t bytes = 0;
    bool done = false;
    std::exception_ptr error;
  };

  const std::string table_;
  const int64_t max_group_bytes_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;
  bool leader_active_ = false;
};

// The writers of all partitions this broker has written to, by table name.
class PartitionWriters {
 public:
  explicit PartitionWriters(int64_t max_group_bytes) : max_group_bytes_(max_group_bytes) {}
  PartitionWriter& writer(const std::string& table);

 private:
  const int64_t max_group_bytes_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<PartitionWriter>> writers_;
};

}  // namespace mq
