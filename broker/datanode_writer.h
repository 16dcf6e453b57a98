// Group commit per datanode. Concurrent produce requests for any partitions of one datanode
// are combined into one database transaction: a writer thread of the datanode takes every
// batch queued so far (in arrival order, up to a byte bound) whose partition is not being
// written by another group, appends them all with one multi-row INSERT per partition and ONE
// COMMIT (PartitionStore::append), and hands each caller its outcome. Callers that arrive
// meanwhile form the next group. One redo-log flush then acknowledges many small requests
// for many partitions, which is what makes many synchronous producers fast: 16 of them over
// 8 partitions share a transaction instead of running 8 small ones.
//
// Up to `groups` groups of one datanode run at once (each on its own writer thread and
// connection), with disjoint partitions; a partition's batches keep their arrival order and
// each batch's messages get consecutive offsets. A group starts beside a running one only
// while `overlap_bytes` (32 KiB) or more queue: smaller batches (synchronous producers) wait
// for the running group and go together in the next, one transaction costing the database
// less than two small ones side by side. While the queue holds at least a quarter of a
// group's byte bound (large batches: asynchronous producers), up to `busy_groups` run: more
// transactions in flight then raise the throughput, where with small requests they would
// only split groups and add a COMMIT per message (docs/perf.md, "adaptive group count" and
// "A second group only while 32 KiB queue").
//
// When one group at a time answered several callers, the next may wait a little for them to
// send again (closed loops: synchronous producers), so that it carries them too instead of
// leaving them for a group of their own (group_gather.h, the broker's append-gather-us).
//
// The callers only queue their batches and sleep until answered (append), or leave a
// completion the writer runs once their items are answered (appendAsync: the event-driven
// server's produce, whose reply the writer so sends itself). The groups run on the
// datanode's own writer threads (busy_groups of them, started at its first append), so a
// group ends by waking another writer for the next group and then its callers: the next
// transaction does not wait for a caller's thread to be woken to lead it (with one group at
// a time, that wake-up cost about 15 % of 16 synchronous producers' rate, docs/perf.md).
//
// The writer also puts what its group stored into the recent appends (recent_appends.h; the
// copies its callers made before, WriteItem::recent) before it lets the partitions go and
// answers the callers: a fetch that reads the new log end then finds the rows there, and one
// partition's appends arrive in offset order.
//
// Failures: an exception inside a group's transaction rolls all of it back, so every batch
// of the group fails with it and none is stored. When the error belongs to one partition
// (say its table was dropped: not a lost connection, lock timeout or failed COMMIT) and the
// group spans several, each partition is then appended on its own, so that only the
// culprit's requests fail.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker/durable_reads.h"
#include "broker/group_commit_limits.h"
#include "broker/group_gather.h"
#include "broker/recent_appends.h"
#include "storage/db_pool.h"
#include "storage/partition_store.h"

namespace mq {

struct WriteRequest;  // an append() call waiting for its items (datanode_writer.cc)

// One partition batch of a produce request and, once append() returns, its outcome.
struct WriteItem {
  std::string table;
  AppendBatch batch;  // outcome in batch.base_offset / duplicate / error (see AppendBatch)
  int64_t bytes = 0;
  std::exception_ptr failure;  // set when the transaction threw (nothing was appended)
  // Where the time went (the broker's produce stage metrics): queued behind other groups,
  // then its group's two round trips (AppendTrace).
  std::chrono::steady_clock::time_point queued_at;
  std::chrono::steady_clock::duration queued{};
  AppendTrace trace;
  // What the recent appends keep of it once committed (RecentAppends::prepare).
  std::vector<rpc::StoredMessage> recent;
  std::shared_ptr<WriteRequest> request;  // set by DatanodeWriter::append
};

class DatanodeWriter {
 public:
  // `recent` (may be null: keep nothing) outlives the writer.
  DatanodeWriter(const GroupCommitLimits& limits, const std::string& broker_id,
                 RecentAppends* recent = nullptr);
  // Joins the writer threads; no append() may be running.
  ~DatanodeWriter();

  // Appends every item (distinct tables of this datanode) in group commits through `pool`
  // (a group goes through the pool of its first item's caller) and returns when each has
  // its outcome.
  void append(const std::shared_ptr<DbPool>& pool, std::vector<WriteItem>& items);
  // As append(), but returns at once: `done` runs once every item has its outcome, on the
  // writer thread that answered the last of them (it must not block long: that writer's
  // next group waits). `items` must stay alive and untouched until then. Empty `items`:
  // `done` runs here.
  void appendAsync(const std::shared_ptr<DbPool>& pool, std::vector<WriteItem>& items,
                   std::function<void()> done);

  // Durable reads on this datanode; every group commit that stored rows counts for them.
  DurableReads& durableReads() { return durable_reads_; }

 private:
  // Whether another group may start now (mutex_ held): batches queue, and none runs; or
  // the queue holds overlap_bytes_ and fewer than max_groups_ run, or fewer than
  // busy_groups_ while the queue holds busy_queue_bytes_.
  bool mayStartGroup() const;
  // Queues the items of `request` and wakes a writer if a group may start (mutex_ held by
  // `lock`; released meanwhile).
  void enqueue(const std::shared_ptr<WriteRequest>& request, std::vector<WriteItem>& items,
               std::unique_lock<std::mutex>& lock);
  // Takes the next group from the queue (mutex_ held): queued items in order whose table no
  // running group holds, of at most tablesPerGroup() tables, up to max_group_bytes_ (at
  // least one item).
  std::vector<WriteItem*> takeGroup();
  // How many tables the next group may take (mutex_ held): all of them, unless the queue is
  // busy; then its share of the free tables queued, so that the other group slots can
  // start on the rest at once. Without it, requests that each span every partition (a
  // Kafka Produce carries all the partitions a producer writes) put every partition in the
  // first group and leave the other slots idle.
  size_t tablesPerGroup() const;
  // Runs one group's transaction and fills in the items' outcomes.
  static void runGroup(DbPool& pool, const std::vector<WriteItem*>& group);
  // Puts what the group stored into recent_ (if any).
  void keepRecent(const std::shared_ptr<DbPool>& pool, std::vector<WriteItem*>& group);
  // A writer thread: runs groups while batches are queued, until the writer is destroyed.
  void writerLoop();
  // Runs `group` and keeps what it stored; never throws (a failure is the items' outcome).
  void writeGroup(std::vector<WriteItem*>& group);

  const int64_t max_group_bytes_;
  const int max_groups_;
  const int busy_groups_;
  const int64_t busy_queue_bytes_;
  const int64_t overlap_bytes_;
  std::mutex mutex_;
  std::condition_variable work_;  // writers wait here for batches they may take
  std::vector<std::thread> writers_;
  bool stopping_ = false;
  std::deque<WriteItem*> queue_;
  int64_t queued_bytes_ = 0;           // of the items in queue_
  std::set<std::string> busy_tables_;  // tables of the running groups
  int running_groups_ = 0;
  size_t queued_requests_ = 0;  // append() calls with items in queue_
  GroupGather gather_;
  DurableReads durable_reads_;
  RecentAppends* const recent_;
};

// The writers of every datanode this broker has written to, and the messages they appended
// lately (fetch-cache-bytes of them; 0: none).
class DatanodeWriters {
 public:
  DatanodeWriters(const GroupCommitLimits& limits, std::string broker_id,
                  int64_t recent_appends_bytes = 0)
      : limits_(limits), broker_id_(std::move(broker_id)), recent_appends_(recent_appends_bytes) {}
  DatanodeWriter& writer(int datanode_id);
  // Acknowledged appends, for fetches at the log end (broker/recent_appends.h).
  RecentAppends& recentAppends() { return recent_appends_; }

 private:
  const GroupCommitLimits limits_;
  const std::string broker_id_;
  std::mutex mutex_;
  std::map<int, std::unique_ptr<DatanodeWriter>> writers_;
  RecentAppends recent_appends_;
};

}  // namespace mq
