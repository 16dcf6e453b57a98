#include "broker/partition_writer.h"

#include "common/clock.h"
#include "common/partition_store.h"

namespace mq {

PartitionWriter::PartitionWriter(std::string table, int64_t max_group_bytes)
    : table_(std::move(table)), max_group_bytes_(max_group_bytes) {}

void PartitionWriter::append(DbPool& pool, AppendBatch& batch, int64_t batch_bytes) {
  Pending self;
  self.batch = &batch;
  self.bytes = batch_bytes;
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(&self);
  while (!self.done) {
    if (leader_active_) {
      cv_.wait(lock);
      continue;
    }
    // Lead one group: everything queued, in order, up to the byte bound (at least one).
    leader_active_ = true;
    std::vector<Pending*> group;
    int64_t group_bytes = 0;
    while (!queue_.empty() &&
           (group.empty() || group_bytes + queue_.front()->bytes <= max_group_bytes_)) {
      group_bytes += queue_.front()->bytes;
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();

    std::vector<AppendBatch> batches;
    batches.reserve(group.size());
    for (const Pending* pending : group) batches.push_back(*pending->batch);
    std::exception_ptr error;
    try {
      auto db = pool.acquire();
      PartitionStore::append(db, table_, batches, nowMs());
    } catch (...) {
      error = std::current_exception();
    }

    lock.lock();
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->done = true;
      group[i]->error = error;
      if (!error) *group[i]->batch = batches[i];
    }
    leader_active_ = false;
    cv_.notify_all();
  }
  if (self.error) std::rethrow_exception(self.error);
}

PartitionWriter& PartitionWriters::writer(const std::string& table) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = writers_[table];
  if (!slot) slot = std::make_unique<PartitionWriter>(table, max_group_bytes_);
  return *slot;
}

}  // namespace mq
