#include "broker/handlers/list_offsets_handler.h"

#include <fmt/format.h>

#include "storage/partition_store.h"

namespace mq {

rpc::ListOffsetsResponse handleListOffsets(BrokerContext& context,
                                           const rpc::ListOffsetsRequest& request,
                                           const Caller& caller) {
  if (request.partitions.empty()) throwError(rpc::ErrorCode::INVALID_REQUEST, "no partitions");
  rpc::ListOffsetsResponse response;
  for (const auto& wanted : request.partitions) {
    rpc::PartitionOffsetResult result;
    result.topic = wanted.topic;
    result.partition = wanted.partition;
    result.error = rpc::ErrorCode::NONE;
    result.offset = -1;
    int datanode_id = -1;
    try {
      caller.require(ResourceType::kTopic, wanted.topic, Permission::kConsume);
      PartitionRoute route = context.topology.route(wanted.topic, wanted.partition);
      datanode_id = route.datanode_id;
      if (route.retired) {
        // Retired (docs/retention-and-lifecycle.md): empty for ever at its final offset; its
        // table may be gone.
        result.start_offset = route.final_offset;
        result.end_offset = route.final_offset;
        result.offset = route.final_offset;
        response.results.push_back(std::move(result));
        continue;
      }
      auto pool = context.pools.pool(route.datanode_id);
      auto db = pool->acquire();
      PartitionBounds bounds = PartitionStore::bounds(*db, route.table);
      result.start_offset = bounds.start_offset;
      result.end_offset = bounds.end_offset;
      switch (wanted.spec) {
        case rpc::OffsetSpec::EARLIEST:
          result.offset = bounds.start_offset;
          break;
        case rpc::OffsetSpec::LATEST:
          result.offset = bounds.end_offset;
          break;
        case rpc::OffsetSpec::TIMESTAMP:
          if (wanted.timestamp_ms < 0) {
            throwError(rpc::ErrorCode::INVALID_REQUEST, "timestamp_ms must not be negative");
          }
          result.offset =
              PartitionStore::offsetForTime(*db, route.table, wanted.timestamp_ms, bounds);
          break;
        default:
          throwError(rpc::ErrorCode::INVALID_REQUEST,
                     fmt::format("unknown offset spec {}", static_cast<int>(wanted.spec)));
      }
    } catch (...) {
      auto failure = classifyPartitionFailure(context, std::current_exception(), wanted.topic,
                                              wanted.partition, datanode_id);
      result.error = failure.code;
      result.error_message = failure.message;
      result.retriable = isRetriable(failure.code);
    }
    response.results.push_back(std::move(result));
  }
  return response;
}

}  // namespace mq
