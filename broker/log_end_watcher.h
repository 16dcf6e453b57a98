// Wakes long-polling fetches for appends made through other brokers. Appends through this
// broker wake their fetches directly (the produce handler's ChangeNotifier::notify); the
// others' are only in the database. A fetch waiting at the log end registers its
// partitions here; while any are registered, one thread reads the log ends of all of a
// datanode's registered partitions in one query (state rows by primary key) every
// `interval`, and wakes the fetches of each partition whose end moved past what they saw.
// The cost is one query per datanode per interval, however many fetches wait; none when
// none waits. A wake-up only makes a fetch read again: a missed or needless one changes
// what it returns never, only when (the fetch's own re-read backoff stays as the fallback).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/broker_metrics.h"
#include "broker/change_notifier.h"
#include "storage/db_pool.h"

namespace mq {

class LogEndWatcher {
 public:
  // The connection pool of a datanode (DatanodePools::pool; throws when it has none).
  using PoolOf = std::function<std::shared_ptr<DbPool>(int datanode_id)>;

  // Whether a broker other than this one may be appending (the registry lists others): a
  // broker alone needs no watching, its own appends wake its fetches.
  using OthersMayAppend = std::function<bool()>;

  // interval 0: off (watch() registers nothing and no thread runs).
  LogEndWatcher(PoolOf pool_of, OthersMayAppend others_may_append, ChangeNotifier& notifier,
                BrokerMetrics& metrics, std::chrono::milliseconds interval);
  ~LogEndWatcher();
  void start();
  void stop();

  // A partition a fetch waits on, and the log end it read.
  struct Partition {
    int datanode_id;
    std::string table;
    int64_t seen_end;
  };

  // Registered while it lives: the fetch's partitions are watched until it is destroyed.
  class Registration {
   public:
    Registration() = default;
    Registration(LogEndWatcher* watcher, std::vector<Partition> partitions)
        : watcher_(watcher), partitions_(std::move(partitions)) {}
    Registration(Registration&& other) noexcept
        : watcher_(other.watcher_), partitions_(std::move(other.partitions_)) {
      other.watcher_ = nullptr;
    }
    Registration& operator=(Registration&&) = delete;
    Registration(const Registration&) = delete;
    ~Registration() {
      if (watcher_) watcher_->unwatch(partitions_);
    }

   private:
    LogEndWatcher* watcher_ = nullptr;
    std::vector<Partition> partitions_;
  };

  Registration watch(std::vector<Partition> partitions);

  // One round: reads the log ends of every watched partition and wakes the waiters of those
  // that moved; nothing while no other broker may append. Returns how many partitions were
  // woken. (The thread calls it every interval.)
  int pollOnce();

 private:
  struct Watched {
    int waiters = 0;
    int64_t end = 0;  // wake its waiters once the log end passes this
  };
  void unwatch(const std::vector<Partition>& partitions);
  void loop();

  const PoolOf pool_of_;
  const OthersMayAppend others_may_append_;
  ChangeNotifier& notifier_;
  BrokerMetrics& metrics_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int, std::map<std::string, Watched>> watched_;  // datanode -> table -> waiters
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq
