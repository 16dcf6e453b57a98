// mq::AdminClient's retention and partition lifecycle calls (MetaService setRetention,
// describeTopicLifecycle, setPartitionReadOnly, migratePartition, deleteTopicWithOptions,
// decommissionDatanode, listDatanodeLifecycle, listOffsetResetEvents). Validation is the
// metaserver's; changes are not retried once they may have reached it.
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

rpc::TopicRetention AdminClient::setRetention(const std::string& topic,
                                              std::optional<int64_t> retention_ms,
                                              std::optional<int64_t> retention_bytes,
                                              std::optional<int64_t> retention_messages) {
  rpc::SetRetentionRequest request;
  request.header = metaHeader();
  request.topic = topic;
  if (retention_ms) request.__set_retention_ms(*retention_ms);
  if (retention_bytes) request.__set_retention_bytes(*retention_bytes);
  if (retention_messages) request.__set_retention_messages(*retention_messages);
  rpc::TopicRetention result;
  metaCall([&](rpc::MetaServiceClient& c) { c.setRetention(result, request); }, true);
  return result;
}

rpc::TopicLifecycle AdminClient::describeTopicLifecycle(const std::string& topic) {
  auto header = metaHeader();
  rpc::TopicLifecycle result;
  metaCall([&](rpc::MetaServiceClient& c) { c.describeTopicLifecycle(result, header, topic); },
           true);
  return result;
}

rpc::PartitionLifecycle AdminClient::setPartitionReadOnly(const std::string& topic, int partition,
                                                          bool read_only) {
  auto header = metaHeader();
  rpc::PartitionLifecycle result;
  // Idempotent on the server: setting the same state twice is not an error.
  metaCall(
      [&](rpc::MetaServiceClient& c) {
        c.setPartitionReadOnly(result, header, topic, partition, read_only);
      },
      true);
  return result;
}

rpc::MigratePartitionResponse AdminClient::migratePartition(const std::string& topic, int partition,
                                                            const std::string& target_datanode) {
  rpc::MigratePartitionRequest request;
  request.header = metaHeader();
  request.topic = topic;
  request.partition = partition;
  request.target_datanode = target_datanode;
  rpc::MigratePartitionResponse result;
  metaCall([&](rpc::MetaServiceClient& c) { c.migratePartition(result, request); }, false);
  return result;
}

rpc::DeleteTopicResponse AdminClient::deleteTopic(const std::string& name, bool force) {
  rpc::DeleteTopicRequest request;
  request.header = metaHeader();
  request.name = name;
  request.force = force;
  rpc::DeleteTopicResponse result;
  metaCall([&](rpc::MetaServiceClient& c) { c.deleteTopicWithOptions(result, request); }, false);
  return result;
}

rpc::DatanodeLifecycle AdminClient::decommissionDatanode(const std::string& name) {
  auto header = metaHeader();
  rpc::DatanodeLifecycle result;
  // Idempotent on the server: a second call migrates what is left and reports the state.
  metaCall([&](rpc::MetaServiceClient& c) { c.decommissionDatanode(result, header, name); }, true);
  return result;
}

std::vector<rpc::DatanodeLifecycle> AdminClient::listDatanodeLifecycle() {
  auto header = metaHeader();
  std::vector<rpc::DatanodeLifecycle> result;
  metaCall([&](rpc::MetaServiceClient& c) { c.listDatanodeLifecycle(result, header); }, true);
  return result;
}

std::vector<rpc::OffsetResetEvent> AdminClient::listOffsetResetEvents(const std::string& group_id,
                                                                      const std::string& topic,
                                                                      int limit) {
  rpc::ListOffsetResetEventsRequest request;
  request.header = metaHeader();
  request.group_id = group_id;
  request.topic = topic;
  request.limit = limit;
  std::vector<rpc::OffsetResetEvent> result;
  metaCall([&](rpc::MetaServiceClient& c) { c.listOffsetResetEvents(result, request); }, true);
  return result;
}

}  // namespace mq
