#include "broker/delay_mover.h"

#include "common/clock.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "storage/partition_store.h"

namespace mq {
namespace {

constexpr int kMoveBatch = 1000;
// Orphaned delayed messages deleted per datanode and pass (each pass removes more).
constexpr int kOrphanBatch = 10000;

}  // namespace

DelayMover::DelayMover(TopologyCache& topology, DatanodePools& pools, ChangeNotifier& notifier,
                       BrokerMetrics& metrics, int64_t poll_ms)
    : topology_(topology),
      pools_(pools),
      notifier_(notifier),
      metrics_(metrics),
      poll_ms_(poll_ms) {}

DelayMover::~DelayMover() { stop(); }

void DelayMover::start() {
  thread_ = std::thread([this] {
    nameThisThread("delay-mover");
    loop();
  });
}

void DelayMover::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DelayMover::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(poll_ms_), [this] { return stopping_; })) {
    lock.unlock();
    moveOnce();
    lock.lock();
  }
}

int64_t DelayMover::moveOnce() {
  int64_t moved = 0;
  auto snapshot = topology_.topology();
  for (const auto& [datanode_id, node] : snapshot->datanodes) {
    try {
      auto pool = pools_.pool(datanode_id);
      auto db = pool->acquire();
      const int64_t orphans = PartitionStore::removeOrphanedDelayedMessages(*db, kOrphanBatch);
      if (orphans > 0) {
        logInfo("removed delayed messages of dropped partitions")
            .kv("datanode", datanode_id)
            .kv("messages", orphans);
        metrics_.recordDelayedOrphansRemoved(orphans);
      }
      const int64_t now = nowMs();
      for (const auto& table : PartitionStore::partitionsWithDueMessages(*db, now)) {
        // One partition's failure (its table dropped under it, say) is its own: the others
        // are still moved in this pass.
        try {
          int count;
          do {
            count = PartitionStore::moveDueMessages(db, table, now, kMoveBatch);
            moved += count;
          } while (count == kMoveBatch);
        } catch (const sql::SQLException& e) {
          if (isTransientDbError(e)) throw;  // the datanode: its next pass
          logDebug("delayed message move failed").kv("table", table).kv("error", e.what());
        }
      }
    } catch (const std::exception& e) {
      // The datanode is down or busy: its delayed messages wait for the next pass.
      logDebug("delayed message move failed").kv("datanode", datanode_id).kv("error", e.what());
    }
  }
  if (moved > 0) {
    metrics_.recordDelayedMoved(moved);
    notifier_.notify();
  }
  return moved;
}

}  // namespace mq
