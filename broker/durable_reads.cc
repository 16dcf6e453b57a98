#include "broker/durable_reads.h"

#include <algorithm>

#include "storage/partition_store.h"

namespace mq {

uint64_t DurableReads::writeBegins() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++running_writes_;
  return ++begun_;
}

void DurableReads::writeEnded(uint64_t ticket, bool committed_rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  --running_writes_;
  if (!committed_rows || ticket <= committed_) return;
  committed_ = ticket;
  changed_.notify_all();
}

bool DurableReads::knownDurable(const std::map<std::string, Read>& reads) const {
  return std::all_of(reads.begin(), reads.end(), [this](const auto& read) {
    auto known = durable_ends_.find(read.first);
    return known != durable_ends_.end() && known->second >= read.second.returned_end;
  });
}

DurableReads::Wait DurableReads::await(DbConnection& db, const std::map<std::string, Read>& reads) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (reads.empty() || knownDurable(reads)) return Wait::kNothing;
  Wait waited = Wait::kWrite;
  // Every ticket above `read` goes to a transaction that begins after the reads.
  const uint64_t read = begun_;
  bool waited_for_write = false;
  while (committed_ <= read) {
    if (marking_) {
      changed_.wait(lock);  // a mark (maybe begun before the reads) or a write commits
      continue;
    }
    if (running_writes_ > 0 && !waited_for_write) {
      // Appends are under way: the next group commit, a moment away, makes the reads
      // durable without a redo-log write of their own.
      waited_for_write = true;
      changed_.wait_for(lock, kWriteWait, [&] { return committed_ > read || marking_; });
      continue;
    }
    marking_ = true;
    const uint64_t ticket = ++begun_;
    lock.unlock();
    try {
      PartitionStore::commitDurabilityMark(db, broker_id_);
    } catch (...) {
      lock.lock();
      marking_ = false;
      changed_.notify_all();  // another waiter tries its own mark
      throw;
    }
    lock.lock();
    marking_ = false;
    waited = Wait::kMark;
    committed_ = std::max(committed_, ticket);
    changed_.notify_all();
  }
  for (const auto& [table, read] : reads) {
    auto& known = durable_ends_[table];
    known = std::max({known, read.returned_end, read.log_end});
  }
  return waited;
}

}  // namespace mq
