#include "perf/raw_tail.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "perf/raw_bench.h"
#include "storage/partition_store.h"

namespace mq::perf {

void CommitLedger::committed(size_t table, int64_t end, SteadyClock::time_point planned) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_[table].push_back(Entry{end, planned});
  }
  cv_.notify_all();
}

void CommitLedger::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool CommitLedger::hasRowsLocked(const std::vector<size_t>& tables,
                                 const std::vector<int64_t>& read_to) const {
  for (size_t i = 0; i < tables.size(); ++i) {
    const auto& entries = entries_[tables[i]];
    if (!entries.empty() && entries.back().end > read_to[i]) return true;
  }
  return false;
}

bool CommitLedger::waitForRows(const std::vector<size_t>& tables,
                               const std::vector<int64_t>& read_to) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return closed_ || hasRowsLocked(tables, read_to); });
  return hasRowsLocked(tables, read_to);
}

int64_t CommitLedger::committedEnd(size_t table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto& entries = entries_[table];
  return entries.empty() ? 0 : entries.back().end;
}

std::optional<SteadyClock::time_point> CommitLedger::plannedStartOf(size_t table,
                                                                    int64_t offset) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto& entries = entries_[table];
  auto it = std::upper_bound(entries.begin(), entries.end(), offset,
                             [](int64_t value, const Entry& entry) { return value < entry.end; });
  if (it == entries.end()) return std::nullopt;
  return it->planned;
}

void tailReadLoop(DbPool& pool, const std::vector<std::string>& names,
                  const std::vector<size_t>& tables, CommitLedger& ledger, RunCounters& counters) {
  auto db = pool.acquire();
  std::vector<int64_t> read_to(tables.size(), 0);
  while (ledger.waitForRows(tables, read_to)) {
    for (size_t i = 0; i < tables.size(); ++i) {
      const size_t table = tables[i];
      // Only rows the ledger knows: a later commit may already be visible in the table.
      for (int64_t end = ledger.committedEnd(table); read_to[i] < end;) {
        const int limit = static_cast<int>(std::min<int64_t>(kRawReadRows, end - read_to[i]));
        auto rows = PartitionStore::read(*db, names[table], read_to[i], limit, int64_t{1} << 30);
        const auto now = SteadyClock::now();
        if (rows.empty() || rows.front().offset != read_to[i]) {
          throw std::runtime_error(
              fmt::format("{}: offset {} is committed but was not read", names[table], read_to[i]));
        }
        int64_t bytes = 0;
        for (const auto& row : rows) {
          const auto planned = ledger.plannedStartOf(table, row.offset);
          if (!planned) {
            throw std::runtime_error(
                fmt::format("{}: read offset {}, which no commit wrote", names[table], row.offset));
          }
          counters.recordLatencyUs(microsBetween(*planned, now));
          bytes += static_cast<int64_t>(row.value.size());
        }
        counters.addMessages(static_cast<int64_t>(rows.size()), bytes);
        read_to[i] = rows.back().offset + 1;
      }
    }
  }
}

}  // namespace mq::perf
