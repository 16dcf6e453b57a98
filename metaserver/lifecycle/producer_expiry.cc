#include "metaserver/lifecycle/producer_expiry.h"

#include <algorithm>
#include <set>

#include "common/log.h"
#include "storage/partition_store.h"

namespace mq {

ProducerExpiryResult ProducerExpiry::maybeRun(int64_t now_ms) {
  ProducerExpiryResult result;
  const int64_t every = std::min<int64_t>(expiration_ms_ / 4, 10 * 60 * 1000);
  if (last_run_ms_ != 0 && now_ms - last_run_ms_ < every) return result;
  last_run_ms_ = now_ms;
  result.ran = true;
  const int64_t cutoff = now_ms - expiration_ms_;
  std::set<int64_t> active;  // producer ids with a state row newer than the cutoff
  for (const auto& [id, datanode] : meta_.loadTopology().datanodes) {
    try {
      datanodes_.withDatanode(id, "expiring idle producer ids", [&](DbConnection& db) {
        for (int64_t producer : PartitionStore::producersActiveSince(db, cutoff)) {
          active.insert(producer);
        }
        result.state_rows_deleted += PartitionStore::expireProducerStates(db, cutoff);
      });
    } catch (const std::exception& e) {
      result.every_datanode = false;
      logWarn("producer id expiry skipped a datanode").kv("datanode", id).kv("error", e.what());
    }
  }
  if (result.every_datanode) result.producers_deleted = meta_.expireProducers(cutoff, active);
  if (result.state_rows_deleted > 0 || result.producers_deleted > 0) {
    logInfo("idle producer ids expired")
        .kv("state_rows", result.state_rows_deleted)
        .kv("producers", result.producers_deleted)
        .kv("idle_ms", expiration_ms_);
  }
  return result;
}

}  // namespace mq
