#include "broker/datanode_writer.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "common/clock.h"
#include "common/thread_name.h"

namespace mq {
namespace {

// An error that belongs to one statement of the transaction (e.g. a missing table), as
// opposed to one that would fail any transaction now (the datanode is unreachable or busy)
// or leaves the outcome unknown (the COMMIT failed).
bool isStatementError(std::exception_ptr error, bool commit_failed) {
  if (commit_failed) return false;
  try {
    std::rethrow_exception(error);
  } catch (const sql::SQLException& e) {
    return !isTransientDbError(e);
  } catch (...) {
    return false;
  }
}

// Appends `parts` (one entry per table) in one transaction; copies the outcomes and the
// trace into the items. Returns the exception, if any, and whether it came from the COMMIT.
std::exception_ptr appendParts(DbPool& pool, std::vector<PartitionAppend>& parts,
                               const std::vector<std::vector<WriteItem*>>& owners,
                               bool* commit_failed) {
  AppendTrace trace;
  std::exception_ptr error;
  try {
    auto db = pool.acquire();
    PartitionStore::append(db, parts, nowMs(), &trace);
  } catch (...) {
    error = std::current_exception();
  }
  *commit_failed = trace.commit_sent;
  for (size_t i = 0; i < parts.size(); ++i) {
    for (size_t j = 0; j < owners[i].size(); ++j) {
      owners[i][j]->trace = trace;
      if (!error) owners[i][j]->batch = parts[i].batches[j];
    }
  }
  return error;
}

// Whether the group stored rows: only then did its COMMIT write (and flush) the redo log.
bool storedRows(const std::vector<WriteItem*>& group) {
  return std::any_of(group.begin(), group.end(), [](const WriteItem* item) {
    return !item->failure && !item->batch.duplicate && item->batch.base_offset >= 0 &&
           item->batch.error == rpc::ErrorCode::NONE;
  });
}

}  // namespace

// An append() call: its items still to be answered, and where it sleeps until then.
struct WriteRequest {
  std::shared_ptr<DbPool> pool;
  size_t unqueued = 0;  // items still in the queue
  size_t unanswered = 0;
  std::condition_variable answered;  // append(): where the caller sleeps
  std::function<void()> done;        // appendAsync(): run when all are answered
};

DatanodeWriter::DatanodeWriter(const GroupCommitLimits& limits, const std::string& broker_id,
                               RecentAppends* recent)
    : max_group_bytes_(limits.max_group_bytes),
      max_groups_(std::max(1, limits.groups)),
      busy_groups_(std::max(max_groups_, limits.busy_groups)),
      busy_queue_bytes_(limits.max_group_bytes / 4),
      overlap_bytes_(limits.overlap_bytes),
      gather_(std::chrono::microseconds(limits.gather_us)),
      durable_reads_(broker_id),
      recent_(recent) {}

DatanodeWriter::~DatanodeWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& writer : writers_) writer.join();
}

void DatanodeWriter::append(const std::shared_ptr<DbPool>& pool, std::vector<WriteItem>& items) {
  if (items.empty()) return;
  auto request = std::make_shared<WriteRequest>();
  request->pool = pool;
  std::unique_lock<std::mutex> lock(mutex_);
  enqueue(request, items, lock);
  request->answered.wait(lock, [&] { return request->unanswered == 0; });
  for (auto& item : items) item.request.reset();
}

void DatanodeWriter::appendAsync(const std::shared_ptr<DbPool>& pool, std::vector<WriteItem>& items,
                                 std::function<void()> done) {
  if (items.empty()) return done();
  auto request = std::make_shared<WriteRequest>();
  request->pool = pool;
  request->done = std::move(done);
  std::unique_lock<std::mutex> lock(mutex_);
  enqueue(request, items, lock);
}

void DatanodeWriter::enqueue(const std::shared_ptr<WriteRequest>& request,
                             std::vector<WriteItem>& items, std::unique_lock<std::mutex>& lock) {
  request->unqueued = items.size();
  request->unanswered = items.size();
  const auto now = SteadyClock::now();
  if (writers_.empty()) {
    for (int i = 0; i < busy_groups_; ++i) {
      writers_.emplace_back([this] {
        nameThisThread("dn-writer");
        writerLoop();
      });
    }
  }
  for (auto& item : items) {
    item.request = request;
    item.queued_at = now;
    queue_.push_back(&item);
    queued_bytes_ += item.bytes;
  }
  ++queued_requests_;
  if (mayStartGroup() && gather_.ready(queued_requests_, now)) {
    // Woken with mutex_ released: a writer woken while it is held would only block on it.
    lock.unlock();
    work_.notify_one();
    lock.lock();
  }
}

void DatanodeWriter::writerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<WriteRequest>> answered;
  for (;;) {
    std::vector<WriteItem*> group;
    const auto now = SteadyClock::now();
    if (mayStartGroup() && gather_.ready(queued_requests_, now)) {
      gather_.groupStarts(queued_requests_);
      group = takeGroup();
    }
    if (group.empty()) {
      if (stopping_ && queue_.empty()) return;
      // While the next group gathers, a writer starts it at the deadline with whoever came.
      if (gather_.holds(now)) {
        work_.wait_until(lock, gather_.deadline());
      } else {
        work_.wait(lock);
      }
      continue;
    }
    ++running_groups_;
    // Batches left behind (byte bound, partitions of a busy group) may start another group.
    const bool more = mayStartGroup();
    lock.unlock();
    if (more) work_.notify_one();
    const auto started = SteadyClock::now();
    writeGroup(group);
    lock.lock();
    --running_groups_;
    for (WriteItem* item : group) {
      busy_tables_.erase(item->table);
      if (--item->request->unanswered == 0) answered.push_back(item->request);
    }
    const auto ended = SteadyClock::now();
    if (running_groups_ == 0) {
      gather_.groupEnded(answered.size(), queued_requests_, ended - started, ended);
    }
    // The items belong to their callers again once they are answered: not touched below.
    // A next group that gathers is started by the last caller it waits for, or by this
    // writer at the deadline.
    const bool next = mayStartGroup() && gather_.ready(queued_requests_, ended);
    lock.unlock();
    // The next group first (another writer), then the answers: each wake-up is a system call
    // of this thread, and the next transaction should not wait for them.
    if (next) work_.notify_one();
    for (const auto& request : answered) {
      if (!request->done) {
        request->answered.notify_one();
        continue;
      }
      // The items hold their request: it lets go of `done` (and what that holds) first.
      auto done = std::move(request->done);
      request->done = nullptr;
      done();
    }
    answered.clear();
    lock.lock();
  }
}

void DatanodeWriter::writeGroup(std::vector<WriteItem*>& group) {
  const std::shared_ptr<DbPool> pool = group.front()->request->pool;
  // Fetches that read the log end this group moves wait for keepRecent (recent_appends.h).
  std::vector<std::pair<const std::string*, int64_t>> marked;
  if (recent_ != nullptr) {
    try {
      marked.reserve(group.size());
      for (WriteItem* item : group) {
        if (item->recent.empty()) continue;
        recent_->writing(item->table, static_cast<int64_t>(item->recent.size()));
        marked.emplace_back(&item->table, static_cast<int64_t>(item->recent.size()));
      }
    } catch (...) {  // out of memory: fetches then read the database, as without the marks
    }
  }
  const uint64_t ticket = durable_reads_.writeBegins();
  try {
    runGroup(*pool, group);
  } catch (...) {  // outside the transaction (say, out of memory): nothing acknowledged
    for (WriteItem* item : group) item->failure = std::current_exception();
  }
  durable_reads_.writeEnded(ticket, storedRows(group));
  try {
    keepRecent(pool, group);
  } catch (...) {
    // The recent appends are a cache: a partition whose run now has a gap starts afresh at
    // its next append (recent_appends.h), and fetches read the database meanwhile.
  }
  for (const auto& [table, messages] : marked) recent_->written(*table, messages);
}

bool DatanodeWriter::mayStartGroup() const {
  if (queue_.empty()) return false;
  if (running_groups_ == 0) return true;
  // Small batches (synchronous producers) wait for the running group: one larger transaction
  // costs the database less than two small ones side by side (docs/perf.md).
  if (queued_bytes_ < overlap_bytes_) return false;
  return running_groups_ < max_groups_ ||
         (running_groups_ < busy_groups_ && queued_bytes_ >= busy_queue_bytes_);
}

size_t DatanodeWriter::tablesPerGroup() const {
  if (queued_bytes_ < busy_queue_bytes_) return std::numeric_limits<size_t>::max();
  const int slots = busy_groups_ - running_groups_;
  std::set<std::string_view> free_tables;
  for (const WriteItem* item : queue_) {
    if (!busy_tables_.count(item->table)) free_tables.insert(item->table);
  }
  return std::max<size_t>(1, (free_tables.size() + slots - 1) / std::max(1, slots));
}

std::vector<WriteItem*> DatanodeWriter::takeGroup() {
  std::vector<WriteItem*> group;
  std::set<std::string> taken;
  const size_t max_tables = tablesPerGroup();
  int64_t bytes = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    WriteItem* item = *it;
    if (!taken.count(item->table) &&
        (busy_tables_.count(item->table) || taken.size() >= max_tables)) {
      // Its partition is being written by another group, or is left to the next group:
      // it waits, and so do its partition's later batches (their order is kept).
      ++it;
      continue;
    }
    if (!group.empty() && bytes + item->bytes > max_group_bytes_) break;
    bytes += item->bytes;
    queued_bytes_ -= item->bytes;
    group.push_back(item);
    taken.insert(item->table);
    if (--item->request->unqueued == 0) --queued_requests_;
    it = queue_.erase(it);
  }
  busy_tables_.insert(taken.begin(), taken.end());
  return group;
}

void DatanodeWriter::runGroup(DbPool& pool, const std::vector<WriteItem*>& group) {
  const auto started = SteadyClock::now();
  for (WriteItem* item : group) item->queued = started - item->queued_at;
  // Per table, in arrival order.
  std::map<std::string, std::vector<WriteItem*>> by_table;
  for (WriteItem* item : group) by_table[item->table].push_back(item);
  std::vector<PartitionAppend> parts;
  std::vector<std::vector<WriteItem*>> owners;
  for (auto& [table, members] : by_table) {
    PartitionAppend part;
    part.table = table;
    for (WriteItem* item : members) part.batches.push_back(item->batch);
    parts.push_back(std::move(part));
    owners.push_back(members);
  }
  bool commit_failed = false;
  std::exception_ptr error = appendParts(pool, parts, owners, &commit_failed);
  if (!error) return;
  if (parts.size() > 1 && isStatementError(error, commit_failed)) {
    // Nothing of the group was stored. Find the culprit: each partition on its own.
    for (size_t i = 0; i < parts.size(); ++i) {
      std::vector<PartitionAppend> one;
      one.push_back(PartitionAppend{parts[i].table, {}});
      for (WriteItem* item : owners[i]) one[0].batches.push_back(item->batch);
      std::exception_ptr alone = appendParts(pool, one, {owners[i]}, &commit_failed);
      for (WriteItem* item : owners[i]) item->failure = alone;
    }
    return;
  }
  for (WriteItem* item : group) item->failure = error;
}

void DatanodeWriter::keepRecent(const std::shared_ptr<DbPool>& pool,
                                std::vector<WriteItem*>& group) {
  if (recent_ == nullptr) return;
  for (WriteItem* item : group) {
    if (!item->failure) recent_->add(pool, item->table, item->batch, std::move(item->recent));
  }
}

DatanodeWriter& DatanodeWriters::writer(int datanode_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = writers_[datanode_id];
  if (!slot) {
    slot = std::make_unique<DatanodeWriter>(limits_, broker_id_, &recent_appends_);
  }
  return *slot;
}

}  // namespace mq
