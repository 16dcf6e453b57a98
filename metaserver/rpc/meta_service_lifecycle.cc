// MetaService's retention and partition lifecycle RPCs (idl/mq.thrift, after the alert RPCs):
// MetaServiceHandler methods that delegate to PartitionLifecycle (partition_lifecycle.h),
// served, counted and error-mapped like every other RPC (meta_service_handler.h).
#include <fmt/format.h>

#include "common/errors.h"
#include "metaserver/rpc/meta_service_handler.h"

namespace mq {

void MetaServiceHandler::setRetention(rpc::TopicRetention& result,
                                      const rpc::SetRetentionRequest& request) {
  serve("setRetention", request.header, [&] {
    auto given = [](bool isset, int64_t value) {
      return isset ? std::optional<int64_t>(value) : std::nullopt;
    };
    result = lifecycle_.setRetention(
        request.header.client_id, request.topic,
        given(request.__isset.retention_ms, request.retention_ms),
        given(request.__isset.retention_bytes, request.retention_bytes),
        given(request.__isset.retention_messages, request.retention_messages));
  });
}

void MetaServiceHandler::describeTopicLifecycle(rpc::TopicLifecycle& result,
                                                const rpc::RequestHeader& header,
                                                const std::string& topic) {
  serve("describeTopicLifecycle", header, [&] { result = lifecycle_.describe(topic); });
}

void MetaServiceHandler::setPartitionReadOnly(rpc::PartitionLifecycle& result,
                                              const rpc::RequestHeader& header,
                                              const std::string& topic, int32_t partition,
                                              bool read_only) {
  serve("setPartitionReadOnly", header,
        [&] { result = lifecycle_.setReadOnly(header.client_id, topic, partition, read_only); });
}

void MetaServiceHandler::migratePartition(rpc::MigratePartitionResponse& result,
                                          const rpc::MigratePartitionRequest& request) {
  serve("migratePartition", request.header, [&] {
    auto [old_partition, new_partition] = lifecycle_.migrate(
        request.header.client_id, request.topic, request.partition, request.target_datanode);
    result.old_partition = std::move(old_partition);
    result.new_partition = std::move(new_partition);
  });
}

void MetaServiceHandler::deleteTopicWithOptions(rpc::DeleteTopicResponse& result,
                                                const rpc::DeleteTopicRequest& request) {
  serve("deleteTopicWithOptions", request.header, [&] {
    result = lifecycle_.deleteTopic(request.header.client_id, request.name, request.force);
  });
}

void MetaServiceHandler::decommissionDatanode(rpc::DatanodeLifecycle& result,
                                              const rpc::RequestHeader& header,
                                              const std::string& name) {
  serve("decommissionDatanode", header,
        [&] { result = lifecycle_.decommission(header.client_id, name); });
}

void MetaServiceHandler::listDatanodeLifecycle(std::vector<rpc::DatanodeLifecycle>& result,
                                               const rpc::RequestHeader& header) {
  serve("listDatanodeLifecycle", header, [&] { result = lifecycle_.datanodeStates(); });
}

void MetaServiceHandler::listOffsetResetEvents(std::vector<rpc::OffsetResetEvent>& result,
                                               const rpc::ListOffsetResetEventsRequest& request) {
  serve("listOffsetResetEvents", request.header,
        [&] { result = lifecycle_.offsetResets(request.group_id, request.topic, request.limit); });
}

}  // namespace mq
