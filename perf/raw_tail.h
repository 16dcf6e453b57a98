// mq-perf raw --tail-readers N: the database's own end-to-end floor. While the insert phase
// runs, N more connections read the tables as they are written, woken in-process right after
// each commit (as a broker wakes its waiting fetches after its own appends, here at no cost),
// and time each row from its transaction's planned start to the read that returned it. No
// broker, client or consumer process takes part: a queue on this database, on this machine,
// can not deliver faster than this.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "perf/run_counters.h"
#include "storage/db_pool.h"

namespace mq::perf {

// What the writers have committed, per table: the end offset of every transaction and when
// it was planned to start. Tables start empty and their offsets are contiguous from 0.
class CommitLedger {
 public:
  explicit CommitLedger(size_t tables) : entries_(tables) {}

  // A transaction planned at `planned` committed the rows of `table` below offset `end`.
  void committed(size_t table, int64_t end, SteadyClock::time_point planned);
  // No more commits: readers return once they have read everything committed.
  void close();

  // Waits until one of `tables` has committed rows at or past its `read_to` (true) or the
  // ledger is closed with nothing left to read (false).
  bool waitForRows(const std::vector<size_t>& tables, const std::vector<int64_t>& read_to);
  // The offset below which `table`'s rows are committed.
  int64_t committedEnd(size_t table) const;
  // The planned start of the transaction that wrote `offset` of `table`; nothing for an
  // offset not committed.
  std::optional<SteadyClock::time_point> plannedStartOf(size_t table, int64_t offset) const;

 private:
  struct Entry {
    int64_t end;
    SteadyClock::time_point planned;
  };
  bool hasRowsLocked(const std::vector<size_t>& tables, const std::vector<int64_t>& read_to) const;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::vector<Entry>> entries_;
  bool closed_ = false;
};

// One tail reader: reads `tables` (indexes into `names`) from offset 0 as they are committed,
// with PartitionStore::read (what a fetch runs), until the ledger is closed and every
// committed row is read. Records per row the latency from its planned start. Throws on a
// database error or a row the ledger does not know.
void tailReadLoop(DbPool& pool, const std::vector<std::string>& names,
                  const std::vector<size_t>& tables, CommitLedger& ledger, RunCounters& counters);

}  // namespace mq::perf
