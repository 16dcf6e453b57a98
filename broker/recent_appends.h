// The messages this broker appended lately, per partition table, as a fetch would read them
// back: a consumer that keeps up fetches at the log end, and is answered from here instead of
// with a SELECT of the rows just written (the bounds are still read from the datanode, so a
// fetch never answers past the stored log end).
//
// What makes an answer from here the same as one from the database:
// - only committed appends go in, put there by the group commit's writer as soon as the
//   COMMIT returned (datanode_writer.h), before the log end it moved can be answered: rows
//   that are durable on the datanode, at the offsets it gave them, built with
//   PartitionStore::storedForm (what a SELECT reads back). One partition's appends come in
//   offset order (its next group starts after the writer let it go). A write that a
//   failover fenced is not acknowledged to its producer, but it is stored on the fenced
//   datanode, and a read through that datanode's pool would return it too;
// - a table holds one run of consecutive offsets; an append that does not continue it (other
//   brokers wrote in between, the delay mover appended, the offsets went back) starts it afresh;
// - a run remembers the pool (datanode address) it was written through, and is used only by
//   fetches through that same pool: a failover, which drops the fenced datanode's pool
//   (datanode_pools.h), leaves every run of that datanode unused.
//
// Only tables that consumers tail are kept: a fetch that reaches a table's log end (or is
// answered from here) marks it for kTailWindow; appends to other tables cost a lookup, so
// producing with no consumer at the log end pays nothing for the cache.
//
// A fetch can read a log end that a group commit of this broker has just moved, before
// that group's writer put its messages here (the COMMIT returned, the writer thread has not
// run yet). The writer says which tables its groups write and how many messages
// (writing / written); a fetch that finds the log end past the run's end by no more than
// that waits for the group's outcome (at most kWriterWait) instead of reading back from the
// datanode what is about to arrive here. A log end further on has rows of other writers:
// no wait.
//
// Bounded: at most `max_bytes` in all (0: off), a table at most max_bytes / 16; the tables
// appended to least recently go first. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/shared_message.h"
#include "mq_types.h"
#include "storage/db_pool.h"
#include "storage/partition_store.h"

namespace mq {

class RecentAppends {
 public:
  // How long a table stays marked as tailed after a fetch reached its log end.
  static constexpr std::chrono::seconds kTailWindow{10};
  // How long a read waits for a group commit of this broker that is writing its table.
  static constexpr std::chrono::milliseconds kWriterWait{20};

  explicit RecentAppends(int64_t max_bytes,
                         std::chrono::steady_clock::duration tail_window = kTailWindow,
                         std::chrono::steady_clock::duration writer_wait = kWriterWait);

  // A fetch reached the log end of `table` (a consumer keeps up with it): its appends are
  // kept for the next kTailWindow.
  void tail(const std::string& table);

  // Before an append of `messages` to `table`: their stored forms, offsets and append time
  // still to come, or nothing when the table is not tailed. The copies are made here, by the
  // caller, so that add() only moves them in.
  std::vector<rpc::StoredMessage> prepare(const std::string& table,
                                          const std::vector<const rpc::Message*>& messages) const;
  // A committed append of `batch` (its outcome filled in by PartitionStore::append) to
  // `table` through `pool`, with what prepare() made of its messages. Ignored unless the
  // table is tailed and `prepared` holds every message, and for batches that stored nothing
  // (duplicates, errors, all delayed).
  void add(const std::shared_ptr<DbPool>& pool, const std::string& table, const AppendBatch& batch,
           std::vector<rpc::StoredMessage>&& prepared);

  // A group commit of this broker begins writing a batch of `messages` to `table` that was
  // prepared here; written() follows once its outcome is known (add() called, or the group
  // failed), with the same arguments.
  void writing(const std::string& table, int64_t messages);
  void written(const std::string& table, int64_t messages);

  // The messages of `table` from `offset` on, below `end_offset` (the stored log end the
  // fetch read), at most `max_messages` and `max_bytes` of keys and values (at least one
  // message), as PartitionStore::read returns them. Fills `out` and returns true when
  // `offset` is held for a run written through `pool`; otherwise returns false and leaves
  // `out` alone (read the database). When `offset` is the run's end and `end_offset` is
  // within what groups are writing to the table, waits for them first (at most
  // writer_wait). A read answered from here marks the table as tailed. The messages are
  // shared with the run, not copied (they outlive their eviction while `out` holds them).
  bool read(const std::shared_ptr<DbPool>& pool, const std::string& table, int64_t offset,
            int64_t end_offset, int max_messages, int64_t max_bytes, SharedMessages& out);

  // Bytes held (approximate: keys, values, headers and a fixed cost per message).
  int64_t bytes() const;
  // Tables tracked (tailed lately, or holding a run).
  size_t tables() const;

 private:
  struct Run {
    std::weak_ptr<DbPool> origin;  // the pool the run was written through
    int64_t first_offset = 0;      // offset of messages.front()
    std::deque<SharedMessage> messages;
    int64_t bytes = 0;
    std::list<std::string>::iterator recency;  // its place in recency_
    std::chrono::steady_clock::time_point tailed_until;

    // The offset after the last message held.
    int64_t end() const { return first_offset + static_cast<int64_t>(messages.size()); }
  };

  static int64_t sizeOf(const rpc::StoredMessage& message);
  // Whether a read of [offset, end_offset) may miss `run` only because a group writing the
  // table has not added its messages yet (mutex_ held).
  bool awaitsWriter(const std::string& table, const Run& run, int64_t offset,
                    int64_t end_offset) const;
  // Empties a run (mutex_ held).
  void clear(Run& run);
  // Puts a message at the end of `run`, counting its size (mutex_ held).
  void hold(Run& run, rpc::StoredMessage&& message);
  // Removes a table's run (mutex_ held).
  void erase(std::unordered_map<std::string, Run>::iterator it);
  // Removes the tables no fetch tailed within kTailWindow (mutex_ held): tables that are
  // never appended to again (a dropped topic's) would otherwise stay.
  void sweepUntailed();
  // Drops messages from the front of `run` while it is over the per-table bound, then the
  // runs appended to least recently while the whole is over max_bytes_ (mutex_ held).
  void evict(Run& run);

  const int64_t max_bytes_;
  const int64_t max_table_bytes_;
  const std::chrono::steady_clock::duration tail_window_;
  const std::chrono::steady_clock::duration writer_wait_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Run> runs_;
  std::list<std::string> recency_;  // table names, most recently appended first
  // Messages being written per table (writing() minus written()); apart from runs_, which
  // evictions and sweeps may drop meanwhile.
  std::unordered_map<std::string, int64_t> writing_;
  std::condition_variable written_;  // a table's writing_ count went down
  int64_t bytes_ = 0;
  size_t tables_at_sweep_ = 0;  // runs_.size() after the last sweepUntailed()
};

}  // namespace mq
