#include "broker/log_end_watcher.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"
#include "storage/partition_store.h"

namespace mq {

LogEndWatcher::LogEndWatcher(PoolOf pool_of, OthersMayAppend others_may_append,
                             ChangeNotifier& notifier, BrokerMetrics& metrics,
                             std::chrono::milliseconds interval)
    : pool_of_(std::move(pool_of)),
      others_may_append_(std::move(others_may_append)),
      notifier_(notifier),
      metrics_(metrics),
      interval_(interval) {}

LogEndWatcher::~LogEndWatcher() { stop(); }

void LogEndWatcher::start() {
  if (interval_.count() <= 0) return;
  thread_ = std::thread([this] {
    nameThisThread("log-end-watch");
    loop();
  });
}

void LogEndWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

LogEndWatcher::Registration LogEndWatcher::watch(std::vector<Partition> partitions) {
  if (interval_.count() == 0 || partitions.empty()) return Registration();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& partition : partitions) {
      auto [it, added] = watched_[partition.datanode_id].try_emplace(partition.table);
      Watched& watched = it->second;
      // A waiter that saw less than the others is woken once the end passes what it saw.
      watched.end = added ? partition.seen_end : std::min(watched.end, partition.seen_end);
      ++watched.waiters;
    }
  }
  cv_.notify_all();  // the thread sleeps while nothing is watched
  return Registration(this, std::move(partitions));
}

void LogEndWatcher::unwatch(const std::vector<Partition>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& partition : partitions) {
    auto datanode = watched_.find(partition.datanode_id);
    if (datanode == watched_.end()) continue;
    auto it = datanode->second.find(partition.table);
    if (it == datanode->second.end()) continue;
    if (--it->second.waiters == 0) datanode->second.erase(it);
    if (datanode->second.empty()) watched_.erase(datanode);
  }
}

int LogEndWatcher::pollOnce() {
  if (!others_may_append_()) return 0;
  std::map<int, std::vector<std::string>> tables;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [datanode_id, watched] : watched_) {
      for (const auto& entry : watched) tables[datanode_id].push_back(entry.first);
    }
  }
  int woken = 0;
  int queries = 0;
  for (const auto& [datanode_id, names] : tables) {
    std::map<std::string, PartitionBounds> ends;
    try {
      auto db = pool_of_(datanode_id)->acquire();
      ends = PartitionStore::bounds(*db, names);
      ++queries;
    } catch (const std::exception& e) {
      // Down, fenced or busy: its fetches still re-read on their own backoff.
      logDebug("could not read log ends for waiting fetches")
          .kv("datanode", datanode_id)
          .kv("error", e.what());
      continue;
    }
    std::vector<std::string> moved;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto datanode = watched_.find(datanode_id);
      if (datanode == watched_.end()) continue;
      for (const auto& [table, bounds] : ends) {
        auto it = datanode->second.find(table);
        if (it == datanode->second.end() || bounds.end_offset <= it->second.end) continue;
        it->second.end = bounds.end_offset;
        moved.push_back(table);
      }
    }
    for (const auto& table : moved) notifier_.notify(table);
    woken += static_cast<int>(moved.size());
  }
  if (queries > 0 || woken > 0) metrics_.recordLogEndWatch(queries, woken);
  return woken;
}

void LogEndWatcher::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    cv_.wait(lock, [this] { return stopping_ || !watched_.empty(); });
    if (stopping_) break;
    lock.unlock();
    pollOnce();
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace mq
