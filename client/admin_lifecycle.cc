// mq::AdminClient's retention and partition lifecycle calls (MetaService setRetention,
// describeTopicLifecycle, setPartitionReadOnly, migratePartition, deleteTopicWithOptions,
// decommissionDatanode, listDatanodeLifecycle, listOffsetResetEvents). Validation is the
// metaserver's; changes are not retried once they may have reached it.
#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "mq/client.h"

namespace mq::client {

TopicRetention AdminClient::setRetention(const std::string& topic,
                                         std::optional<int64_t> retention_ms,
                                         std::optional<int64_t> retention_bytes,
                                         std::optional<int64_t> retention_messages) {
  rpc::SetRetentionRequest request;
  request.header = impl_->header();
  request.topic = topic;
  if (retention_ms) request.__set_retention_ms(*retention_ms);
  if (retention_bytes) request.__set_retention_bytes(*retention_bytes);
  if (retention_messages) request.__set_retention_messages(*retention_messages);
  rpc::TopicRetention result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.setRetention(result, request); }, true);
  return fromWire(result);
}

TopicLifecycle AdminClient::describeTopicLifecycle(const std::string& topic) {
  auto header = impl_->header();
  rpc::TopicLifecycle result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.describeTopicLifecycle(result, header, topic); },
              true);
  return fromWire(result);
}

PartitionLifecycle AdminClient::setPartitionReadOnly(const std::string& topic, int partition,
                                                     bool read_only) {
  auto header = impl_->header();
  rpc::PartitionLifecycle result;
  // Idempotent on the server: setting the same state twice is not an error.
  impl_->meta(
      [&](rpc::MetaServiceClient& c) {
        c.setPartitionReadOnly(result, header, topic, partition, read_only);
      },
      true);
  return fromWire(result);
}

MigratePartitionResponse AdminClient::migratePartition(const std::string& topic, int partition,
                                                       const std::string& target_datanode) {
  rpc::MigratePartitionRequest request;
  request.header = impl_->header();
  request.topic = topic;
  request.partition = partition;
  request.target_datanode = target_datanode;
  rpc::MigratePartitionResponse result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.migratePartition(result, request); }, false);
  return fromWire(result);
}

DeleteTopicResponse AdminClient::deleteTopic(const std::string& name, bool force) {
  rpc::DeleteTopicRequest request;
  request.header = impl_->header();
  request.name = name;
  request.force = force;
  rpc::DeleteTopicResponse result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.deleteTopicWithOptions(result, request); }, false);
  return fromWire(result);
}

DatanodeLifecycle AdminClient::decommissionDatanode(const std::string& name) {
  auto header = impl_->header();
  rpc::DatanodeLifecycle result;
  // Idempotent on the server: a second call migrates what is left and reports the state.
  impl_->meta([&](rpc::MetaServiceClient& c) { c.decommissionDatanode(result, header, name); },
              true);
  return fromWire(result);
}

std::vector<DatanodeLifecycle> AdminClient::listDatanodeLifecycle() {
  auto header = impl_->header();
  std::vector<rpc::DatanodeLifecycle> result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listDatanodeLifecycle(result, header); }, true);
  return fromWire(result);
}

std::vector<OffsetResetEvent> AdminClient::listOffsetResetEvents(const std::string& group_id,
                                                                 const std::string& topic,
                                                                 int limit) {
  rpc::ListOffsetResetEventsRequest request;
  request.header = impl_->header();
  request.group_id = group_id;
  request.topic = topic;
  request.limit = limit;
  std::vector<rpc::OffsetResetEvent> result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listOffsetResetEvents(result, request); }, true);
  return fromWire(result);
}

}  // namespace mq::client
