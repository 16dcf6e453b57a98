#include "broker/handlers/commit_offsets_handler.h"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "storage/partition_store.h"

namespace mq {
namespace {

[[noreturn]] void pastTheEnd(const rpc::OffsetCommitPartition& committed, int64_t end) {
  throwError(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
             fmt::format("committed offset {} for partition {} of `{}` is past its log end {}: a "
                         "group may commit at most the log end",
                         committed.offset, committed.partition, committed.topic, end));
}

}  // namespace

rpc::CommitOffsetsResponse handleCommitOffsets(BrokerContext& context,
                                               const rpc::CommitOffsetsRequest& request) {
  // The log ends of the partitions named, one query per datanode.
  std::map<int, std::vector<std::pair<const rpc::OffsetCommitPartition*, std::string>>> wanted;
  for (const auto& committed : request.offsets) {
    if (committed.offset < 0) continue;  // refused by the coordinator, naming it
    PartitionRoute route = context.topology.route(committed.topic, committed.partition);
    if (route.retired) {
      if (committed.offset > route.final_offset) pastTheEnd(committed, route.final_offset);
      continue;
    }
    wanted[route.datanode_id].emplace_back(&committed, route.table);
  }
  for (const auto& [datanode_id, partitions] : wanted) {
    std::map<std::string, PartitionBounds> bounds;
    try {
      auto pool = context.pools.pool(datanode_id);
      auto db = pool->acquire();
      std::vector<std::string> tables;
      for (const auto& [committed, table] : partitions) tables.push_back(table);
      bounds = PartitionStore::bounds(*db, tables);
    } catch (...) {
      const auto* first = partitions.front().first;
      auto failure = classifyPartitionFailure(context, std::current_exception(), first->topic,
                                              first->partition, datanode_id);
      throwError(failure.code, failure.message);
    }
    for (const auto& [committed, table] : partitions) {
      auto found = bounds.find(table);
      if (found == bounds.end()) {
        throwError(rpc::ErrorCode::UNKNOWN_TOPIC,
                   fmt::format("partition {} of `{}` has no state row (topic being deleted?)",
                               committed->partition, committed->topic));
      }
      if (committed->offset > found->second.end_offset) {
        pastTheEnd(*committed, found->second.end_offset);
      }
    }
  }
  return context.groups.commit(request);
}

}  // namespace mq
