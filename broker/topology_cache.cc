#include "broker/topology_cache.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq {

TopologyCache::TopologyCache(MetaStore& store, int64_t refresh_ms, int64_t broker_timeout_ms)
    : store_(store),
      refresh_ms_(refresh_ms),
      broker_timeout_ms_(broker_timeout_ms),
      topology_(std::make_shared<Topology>()) {}

TopologyCache::~TopologyCache() { stop(); }

void TopologyCache::loadInitial() {
  const auto started = SteadyClock::now();
  auto topology = std::make_shared<Topology>(store_.loadTopology());
  auto brokers = store_.liveBrokers(broker_timeout_ms_);
  std::lock_guard<std::mutex> lock(mutex_);
  topology_ = std::move(topology);
  brokers_ = std::move(brokers);
  confirmed_at_ = started;
}

void TopologyCache::start() {
  thread_ = std::thread([this] {
    nameThisThread("topology");
    refreshLoop();
  });
}

void TopologyCache::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const Topology> TopologyCache::topology() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return topology_;
}

SteadyClock::time_point TopologyCache::confirmedAt() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return confirmed_at_;
}

std::vector<BrokerRecord> TopologyCache::liveBrokers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return brokers_;
}

void TopologyCache::refreshLoop() {
  bool healthy = true;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(refresh_ms_));
    if (stopping_) break;
    lock.unlock();
    bool ok = refresh(false);
    if (ok != healthy) {
      if (ok) {
        logInfo("metadata database reachable again");
      } else {
        logWarn("metadata database unreachable; serving from the cached topology");
      }
      healthy = ok;
    }
    lock.lock();
  }
}

bool TopologyCache::refresh(bool force) {
  std::lock_guard<std::mutex> one_at_a_time(refresh_mutex_);
  return refreshLocked(force);
}

bool TopologyCache::refreshLocked(bool force) {
  const auto started = SteadyClock::now();
  try {
    auto brokers = store_.liveBrokers(broker_timeout_ms_);
    int64_t version = store_.topologyVersion();
    std::shared_ptr<const Topology> fresh;
    if (force || version != topology()->version) {
      fresh = std::make_shared<Topology>(store_.loadTopology());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    brokers_ = std::move(brokers);
    if (fresh) {
      if (fresh->version != topology_->version) {
        logInfo("topology updated")
            .kv("version", fresh->version)
            .kv("topics", static_cast<int64_t>(fresh->topics.size()));
      }
      topology_ = std::move(fresh);
    }
    confirmed_at_ = started;
    last_refresh_done_ = started;
    return true;
  } catch (const std::exception& e) {
    logDebug("topology refresh failed").kv("error", e.what());
    return false;
  }
}

bool TopologyCache::knows(const std::string& topic, int partition) const {
  auto snapshot = topology();
  auto it = snapshot->topics.find(topic);
  return it != snapshot->topics.end() && partition < static_cast<int>(it->second.partitions.size());
}

PartitionRoute TopologyCache::route(const std::string& topic, int partition) {
  const auto asked_at = SteadyClock::now();
  auto snapshot = topology();
  auto it = snapshot->topics.find(topic);
  // A partition beyond the cached count may have been added (or migrated) a moment ago:
  // re-read as for an unknown topic.
  const bool unknown_partition =
      it != snapshot->topics.end() && partition >= static_cast<int>(it->second.partitions.size());
  if (it == snapshot->topics.end() || unknown_partition) {
    // Maybe created a moment ago: re-read, unless a refresh finished after we asked
    // (concurrent requests share one refresh instead of each reading the database).
    {
      std::lock_guard<std::mutex> one_at_a_time(refresh_mutex_);
      if (last_refresh_done_ < asked_at) refreshLocked(false);
    }
    snapshot = topology();
    it = snapshot->topics.find(topic);
    if (it == snapshot->topics.end()) {
      throwError(rpc::ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", topic));
    }
  }
  const auto& partitions = it->second.partitions;
  if (partition < 0 || partition >= static_cast<int>(partitions.size())) {
    throwError(rpc::ErrorCode::UNKNOWN_PARTITION,
               fmt::format("partition {} out of range 0..{} of topic `{}`", partition,
                           static_cast<int>(partitions.size()) - 1, topic));
  }
  const auto& record = partitions[partition];
  return PartitionRoute{topic,           partition,        record.datanode_id,  record.table_name,
                        record.writable, record.retired(), record.final_offset, record.replaced_by};
}

}  // namespace mq
