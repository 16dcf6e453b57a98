#include "broker/datanode_pools.h"

#include <fmt/format.h>

#include "common/errors.h"

namespace mq {

DatanodePools::DatanodePools(TopologyCache& topology, int pool_size)
    : topology_(topology), pool_size_(pool_size) {}

std::shared_ptr<DbPool> DatanodePools::pool(int datanode_id) {
  auto snapshot = topology_.topology();
  auto node = snapshot->datanodes.find(datanode_id);
  if (node == snapshot->datanodes.end()) {
    throwError(rpc::ErrorCode::DATANODE_UNAVAILABLE,
               fmt::format("datanode {} is not in the topology", datanode_id));
  }
  if (node->second.fenced_ms != 0) {
    throwError(rpc::ErrorCode::DATANODE_UNAVAILABLE,
               fmt::format("datanode `{}` is failing over to its replica; try again shortly",
                           node->second.name));
  }
  const DbTarget& target = node->second.target;
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = pools_[datanode_id];
  if (!slot || slot->target().describe() != target.describe() ||
      slot->target().password != target.password) {
    DbPoolOptions options;
    options.max_connections = pool_size_;
    // A dead datanode must fail fast so producers can route around it.
    options.connect_timeout_s = 2;
    options.io_timeout_s = 15;
    options.acquire_timeout_ms = 5000;
    // An append's group commit is two round trips (PartitionStore::append).
    options.multi_statements = true;
    slot = std::make_shared<DbPool>(target, options);
  }
  return slot;
}

bool DatanodePools::leaseHeld() const {
  return SteadyClock::now() - topology_.confirmedAt() <
         std::chrono::milliseconds(kDatanodeWriteLeaseMs);
}

DatanodePools::WriteGrant DatanodePools::poolForWrite(int datanode_id) {
  auto snapshot = topology_.topology();
  auto node = snapshot->datanodes.find(datanode_id);
  if (node != snapshot->datanodes.end() && node->second.auto_failover && !leaseHeld()) {
    throwError(rpc::ErrorCode::DATANODE_UNAVAILABLE,
               fmt::format("datanode `{}` may be failing over: the broker could not read the "
                           "metadata for {} ms; try again shortly",
                           node->second.name, kDatanodeWriteLeaseMs));
  }
  WriteGrant grant;
  grant.pool = pool(datanode_id);
  grant.epoch = node->second.epoch;
  return grant;
}

void DatanodePools::confirmWrite(int datanode_id, const WriteGrant& grant) {
  auto snapshot = topology_.topology();
  auto node = snapshot->datanodes.find(datanode_id);
  if (node != snapshot->datanodes.end() && node->second.fenced_ms == 0 &&
      node->second.epoch == grant.epoch && (!node->second.auto_failover || leaseHeld())) {
    return;
  }
  throwError(rpc::ErrorCode::DATANODE_UNAVAILABLE,
             fmt::format("datanode {} was fenced for a failover while this write ran; it may "
                         "or may not be stored: try again",
                         node != snapshot->datanodes.end() ? "`" + node->second.name + "`"
                                                           : std::to_string(datanode_id)));
}

int64_t DatanodePools::servedVersion() {
  auto snapshot = topology_.topology();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, node] : snapshot->datanodes) {
    if (node.fenced_ms != 0) pools_.erase(id);
  }
  served_version_ = snapshot->version;
  return served_version_;
}

std::vector<DatanodePools::Usage> DatanodePools::usage() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Usage> result;
  for (const auto& [id, pool] : pools_) result.push_back({id, pool->inUse(), pool->open()});
  return result;
}

}  // namespace mq
