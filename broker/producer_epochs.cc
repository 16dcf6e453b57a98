#include "broker/producer_epochs.h"

#include <cppconn/exception.h>

#include "common/log.h"
#include "storage/db_pool.h"

namespace mq {

std::optional<int16_t> ProducerEpochs::current(int64_t producer_id, int16_t epoch) {
  std::optional<Entry> cached;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(producer_id);
    if (it != entries_.end()) {
      cached = it->second;
      if (answers(it->second, epoch)) return it->second.epoch;
    }
    ++reads_;
  }
  try {
    Entry entry{meta_.producerEpoch(producer_id), SteadyClock::now()};
    std::lock_guard<std::mutex> lock(mutex_);
    entries_[producer_id] = entry;
    return entry.epoch;
  } catch (const std::exception& e) {
    // Unreachable or every connection busy: answer from what is known. A statement the
    // database refused is a bug, not an outage.
    const auto* sql_error = dynamic_cast<const sql::SQLException*>(&e);
    if (sql_error && !isTransientDbError(*sql_error)) throw;
    if (cached && cached->epoch && epoch <= *cached->epoch) return cached->epoch;
    bool first;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      first = unchecked_++ == 0;
    }
    if (first) {
      logWarn(
          "metadata database unreachable; admitting idempotent batches of producers not "
          "cached here with their own epoch (the datanodes fence)")
          .kv("producer_id", producer_id)
          .kv("epoch", static_cast<int>(epoch))
          .kv("error", e.what());
    }
    return epoch;
  }
}

bool ProducerEpochs::answers(const Entry& entry, int16_t epoch) const {
  const bool fresh = SteadyClock::now() - entry.read_at < refresh_;
  const bool newer = !entry.epoch || epoch > *entry.epoch;
  return fresh && !newer;
}

bool ProducerEpochs::cached(int64_t producer_id, int16_t epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(producer_id);
  return it != entries_.end() && answers(it->second, epoch);
}

void ProducerEpochs::remember(int64_t producer_id, int16_t epoch) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[producer_id] = Entry{epoch, SteadyClock::now()};
}

uint64_t ProducerEpochs::reads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reads_;
}

uint64_t ProducerEpochs::unchecked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return unchecked_;
}

}  // namespace mq
