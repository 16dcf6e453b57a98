#include "broker/recent_appends.h"

#include <algorithm>
#include <iterator>
#include <optional>

namespace mq {
namespace {

// A table's run may hold this share of the whole bound.
constexpr int64_t kTableShare = 16;
// What a held message costs beyond its bytes (the struct, the deque slot, allocations).
constexpr int64_t kMessageOverhead = 128;

// Whether the run was written through `pool` (the same pool object, not one made since at
// the same address: a weak pointer keeps its control block, so owners never compare equal
// to a newer pool's).
bool samePool(const std::weak_ptr<DbPool>& origin, const std::shared_ptr<DbPool>& pool) {
  return !origin.owner_before(pool) && !pool.owner_before(origin) && !origin.expired();
}

}  // namespace

RecentAppends::RecentAppends(int64_t max_bytes, std::chrono::steady_clock::duration tail_window,
                             std::chrono::steady_clock::duration writer_wait)
    : max_bytes_(std::max<int64_t>(0, max_bytes)),
      max_table_bytes_(max_bytes_ / kTableShare),
      tail_window_(tail_window),
      writer_wait_(writer_wait) {}

int64_t RecentAppends::sizeOf(const rpc::StoredMessage& message) {
  int64_t size = kMessageOverhead + static_cast<int64_t>(message.value.size() + message.key.size());
  for (const auto& [name, value] : message.headers) {
    size += static_cast<int64_t>(name.size() + value.size());
  }
  return size;
}

void RecentAppends::clear(Run& run) {
  bytes_ -= run.bytes;
  run.bytes = 0;
  run.messages.clear();
}

void RecentAppends::erase(std::unordered_map<std::string, Run>::iterator it) {
  clear(it->second);
  recency_.erase(it->second.recency);
  runs_.erase(it);
}

void RecentAppends::sweepUntailed() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = runs_.begin(); it != runs_.end();) {
    auto next = std::next(it);
    if (it->second.tailed_until < now) erase(it);
    it = next;
  }
  tables_at_sweep_ = runs_.size();
}

void RecentAppends::tail(const std::string& table) {
  if (max_bytes_ == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  // Amortised: a sweep each time the number of tables doubled (and at least 1024 new).
  if (runs_.size() >= std::max<size_t>(1024, 2 * tables_at_sweep_)) sweepUntailed();
  auto [it, inserted] = runs_.try_emplace(table);
  if (inserted) {
    recency_.push_front(table);
    it->second.recency = recency_.begin();
  }
  it->second.tailed_until = std::chrono::steady_clock::now() + tail_window_;
}

void RecentAppends::evict(Run& run) {
  while (run.bytes > max_table_bytes_ && !run.messages.empty()) {
    const int64_t size = sizeOf(*run.messages.front());
    run.messages.pop_front();
    ++run.first_offset;
    run.bytes -= size;
    bytes_ -= size;
  }
  // The least recently appended tables go whole; `run` is the most recent, so it stays.
  while (bytes_ > max_bytes_ && recency_.size() > 1) erase(runs_.find(recency_.back()));
}

std::vector<rpc::StoredMessage> RecentAppends::prepare(
    const std::string& table, const std::vector<const rpc::Message*>& messages) const {
  std::vector<rpc::StoredMessage> prepared;
  if (max_bytes_ == 0) return prepared;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = runs_.find(table);
    if (it == runs_.end() || it->second.tailed_until < std::chrono::steady_clock::now()) {
      return prepared;
    }
  }
  prepared.reserve(messages.size());
  for (const rpc::Message* message : messages) {
    prepared.push_back(PartitionStore::storedForm(*message, 0, 0));  // stamped in add()
  }
  return prepared;
}

void RecentAppends::add(const std::shared_ptr<DbPool>& pool, const std::string& table,
                        const AppendBatch& batch, std::vector<rpc::StoredMessage>&& prepared) {
  if (max_bytes_ == 0 || batch.duplicate || batch.base_offset < 0 ||
      batch.error != rpc::ErrorCode::NONE || batch.messages == nullptr ||
      prepared.size() != batch.messages->size()) {
    return;
  }
  // Offsets and the append time, outside the lock; messages held for later take none.
  size_t kept = 0;
  int64_t offset = batch.base_offset;
  for (size_t i = 0; i < prepared.size(); ++i) {
    const rpc::Message& message = *(*batch.messages)[i];
    if (PartitionStore::heldForLater(message, batch.append_ms)) continue;
    PartitionStore::stamp(prepared[i], message, offset++, batch.append_ms);
    if (kept != i) prepared[kept] = std::move(prepared[i]);
    ++kept;
  }
  prepared.resize(kept);
  if (prepared.empty()) return;
  const int64_t first = batch.base_offset;

  std::lock_guard<std::mutex> lock(mutex_);
  auto it = runs_.find(table);
  if (it == runs_.end()) return;  // evicted meanwhile
  if (it->second.tailed_until < std::chrono::steady_clock::now()) {
    erase(it);  // nobody reads it at its end any more
    return;
  }
  Run& run = it->second;
  recency_.splice(recency_.begin(), recency_, run.recency);
  if (!samePool(run.origin, pool) || run.messages.empty() || first != run.end()) {
    // Another pool, or a gap or an overlap: rows it did not see were appended in between
    // (other brokers, the delay mover), or the offsets went back. Start afresh.
    clear(run);
    run.origin = pool;
    run.first_offset = first;
  }
  for (auto& m : prepared) hold(run, std::move(m));
  evict(run);
}

void RecentAppends::hold(Run& run, rpc::StoredMessage&& message) {
  const int64_t size = sizeOf(message);
  run.bytes += size;
  bytes_ += size;
  run.messages.push_back(std::make_shared<const rpc::StoredMessage>(std::move(message)));
}

void RecentAppends::writing(const std::string& table, int64_t messages) {
  if (max_bytes_ == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  writing_[table] += messages;
}

void RecentAppends::written(const std::string& table, int64_t messages) {
  if (max_bytes_ == 0) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = writing_.find(table);
    if (it == writing_.end()) return;
    it->second -= messages;
    if (it->second <= 0) writing_.erase(it);
  }
  written_.notify_all();
}

bool RecentAppends::awaitsWriter(const std::string& table, const Run& run, int64_t offset,
                                 int64_t end_offset) const {
  if (run.messages.empty() || offset != run.end()) return false;
  auto it = writing_.find(table);
  return it != writing_.end() && end_offset - run.end() <= it->second;
}

bool RecentAppends::read(const std::shared_ptr<DbPool>& pool, const std::string& table,
                         int64_t offset, int64_t end_offset, int max_messages, int64_t max_bytes,
                         SharedMessages& out) {
  if (max_bytes_ == 0 || offset >= end_offset) return false;
  std::unique_lock<std::mutex> lock(mutex_);
  std::optional<std::chrono::steady_clock::time_point> deadline;
  auto it = runs_.find(table);
  for (;;) {
    if (it == runs_.end()) return false;
    const Run& run = it->second;
    if (!samePool(run.origin, pool)) return false;
    if (offset >= run.first_offset && offset < run.end()) break;
    if (!awaitsWriter(table, run, offset, end_offset)) return false;
    if (!deadline) deadline = std::chrono::steady_clock::now() + writer_wait_;
    if (written_.wait_until(lock, *deadline) == std::cv_status::timeout) return false;
    it = runs_.find(table);  // evictions may have dropped it meanwhile
  }
  Run& run = it->second;
  const int64_t last = std::min({run.end(), end_offset, offset + std::max(1, max_messages)});
  out.clear();
  out.reserve(static_cast<size_t>(last - offset));
  int64_t bytes = 0;
  for (int64_t o = offset; o < last; ++o) {
    const SharedMessage& message = run.messages[static_cast<size_t>(o - run.first_offset)];
    bytes += static_cast<int64_t>(message->value.size() + message->key.size());
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(message);
  }
  run.tailed_until = std::chrono::steady_clock::now() + tail_window_;
  return true;
}

size_t RecentAppends::tables() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return runs_.size();
}

int64_t RecentAppends::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace mq
