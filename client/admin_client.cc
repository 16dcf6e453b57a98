// mq::AdminClient: MetaService calls (topics, datanodes, brokers) on one metaserver
// connection, and broker calls (offsets, metadata) through the Cluster.
#include <fmt/format.h>

#include <thread>

#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "client/list_offsets.h"
#include "common/topic_name.h"
#include "mq/client.h"

namespace mq::client {

AdminClient::AdminClient(ClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

AdminClient::~AdminClient() = default;

TopicInfo AdminClient::createTopic(const NewTopic& topic) {
  if (auto problem = topicNameProblem(topic.name)) {
    throw Error(ErrorCode::INVALID_TOPIC_NAME, *problem, false);
  }
  if (topic.partitions < 1) {
    throw Error(ErrorCode::INVALID_REQUEST,
                fmt::format("a topic needs at least 1 partition (asked for {})", topic.partitions),
                false);
  }
  if (topic.retention_ms < 0) {
    throw Error(ErrorCode::INVALID_REQUEST, "retention must not be negative", false);
  }
  rpc::CreateTopicRequest request;
  request.header = impl_->header();
  request.name = topic.name;
  request.partitions = topic.partitions;
  request.retention_ms = topic.retention_ms;
  request.owner_team = topic.owner_team;
  request.description = topic.description;
  rpc::TopicInfo created;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.createTopic(created, request); }, false);
  return fromWire(created);
}

std::vector<TopicInfo> AdminClient::listTopics() {
  std::vector<rpc::TopicInfo> topics;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listTopics(topics, header); }, true);
  return fromWire(topics);
}

TopicInfo AdminClient::describeTopic(const std::string& name) {
  rpc::TopicInfo topic;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.describeTopic(topic, header, name); }, true);
  return fromWire(topic);
}

void AdminClient::deleteTopic(const std::string& name) {
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.deleteTopic(header, name); }, false);
}

TopicInfo AdminClient::addPartitions(const std::string& name, int count) {
  if (count < 1) {
    throw Error(ErrorCode::INVALID_REQUEST,
                fmt::format("add at least 1 partition (asked for {})", count), false);
  }
  rpc::TopicInfo topic;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.addPartitions(topic, header, name, count); },
              false);
  return fromWire(topic);
}

DatanodeInfo AdminClient::addDatanode(const NewDatanode& datanode) {
  rpc::AddDatanodeRequest request;
  request.header = impl_->header();
  request.name = datanode.name;
  request.host = datanode.host;
  request.port = datanode.port;
  request.database_name = datanode.database_name;
  request.user = datanode.user;
  request.password = datanode.password;
  rpc::DatanodeInfo added;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.addDatanode(added, request); }, false);
  return fromWire(added);
}

FailoverDatanodeResponse AdminClient::failoverDatanode(const std::string& name,
                                                       const std::string& host, int port,
                                                       int64_t timeout_ms) {
  rpc::FailoverDatanodeRequest request;
  request.header = impl_->header();
  request.name = name;
  request.host = host;
  request.port = port;
  request.timeout_ms = timeout_ms;
  rpc::FailoverDatanodeResponse result;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.failoverDatanode(result, request); }, false);
  return fromWire(result);
}

DatanodeInfo AdminClient::addDatanodeReplica(const std::string& name, const std::string& host,
                                             int port) {
  rpc::DatanodeInfo result;
  auto header = impl_->header();
  impl_->meta(
      [&](rpc::MetaServiceClient& c) { c.addDatanodeReplica(result, header, name, host, port); },
      false);
  return fromWire(result);
}

DatanodeInfo AdminClient::rebuildDatanodeReplica(const RebuildReplicaRequest& rebuild) {
  rpc::DatanodeInfo result;
  auto request = toWire(rebuild);
  request.header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.rebuildDatanodeReplica(result, request); }, false);
  return fromWire(result);
}

DatanodeInfo AdminClient::removeDatanodeReplica(const std::string& name, const std::string& host,
                                                int port) {
  rpc::DatanodeInfo result;
  auto header = impl_->header();
  impl_->meta(
      [&](rpc::MetaServiceClient& c) { c.removeDatanodeReplica(result, header, name, host, port); },
      false);
  return fromWire(result);
}

std::vector<DatanodeInfo> AdminClient::listDatanodes() {
  std::vector<rpc::DatanodeInfo> datanodes;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listDatanodes(datanodes, header); }, true);
  return fromWire(datanodes);
}

std::vector<BrokerInfo> AdminClient::listBrokers() {
  std::vector<rpc::BrokerInfo> brokers;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listBrokers(brokers, header); }, true);
  return fromWire(brokers);
}

std::vector<PartitionOffsets> AdminClient::listOffsets(const std::vector<OffsetQuery>& queries) {
  Cluster& cluster = impl_->cluster();
  const auto deadline = cluster.retryDeadline();
  for (int failures = 1;; ++failures) {
    auto results = client::listOffsets(cluster, queries, deadline);
    std::vector<PartitionOffsets> answers;
    std::optional<Error> problem;
    for (const auto& query : queries) {
      const auto& result = results.at(query.partition);
      if (result.error != rpc::ErrorCode::NONE) {
        problem = partitionError(result.topic, result.partition, result.error, result.error_message,
                                 result.retriable);
        if (result.error == rpc::ErrorCode::UNKNOWN_TOPIC) {
          problem = Error(ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", result.topic),
                          false);
        }
        break;
      }
      answers.push_back(
          PartitionOffsets{query.partition, result.offset, result.start_offset, result.end_offset});
    }
    if (!problem) return answers;
    if (!problem->retriable() || !cluster.retryPolicy().mayRetry(failures)) throw *problem;
    std::this_thread::sleep_for(cluster.retryPolicy().backoff(failures - 1));
  }
}

std::vector<PartitionOffsets> AdminClient::topicOffsets(const std::string& topic) {
  Cluster& cluster = impl_->cluster();
  const int partitions =
      cluster.topic(topic, /*force_refresh=*/true, cluster.retryDeadline())->partition_count;
  std::vector<OffsetQuery> earliest;
  std::vector<OffsetQuery> latest;
  for (int p = 0; p < partitions; ++p) {
    earliest.push_back(OffsetQuery{TopicPartition{topic, p}, OffsetSpec::kEarliest, 0});
    latest.push_back(OffsetQuery{TopicPartition{topic, p}, OffsetSpec::kLatest, 0});
  }
  // Two lookups, so the answer does not depend on which of start/end a broker fills in for
  // a given spec.
  auto starts = listOffsets(earliest);
  auto ends = listOffsets(latest);
  std::vector<PartitionOffsets> result;
  for (size_t i = 0; i < starts.size(); ++i) {
    PartitionOffsets offsets = starts[i];
    offsets.start_offset = starts[i].offset;
    offsets.end_offset = ends[i].offset;
    offsets.offset = ends[i].offset;
    result.push_back(offsets);
  }
  return result;
}

MetadataResponse AdminClient::metadata(const std::vector<std::string>& topics) {
  Cluster& cluster = impl_->cluster();
  rpc::MetadataRequest request;
  request.header = cluster.requestHeader();
  request.topics = topics;
  rpc::MetadataResponse response;
  cluster.withBroker(
      [&](BrokerConnection& connection) {
        connection.call([&](rpc::BrokerClient& client) { client.metadata(response, request); });
      },
      cluster.retryDeadline());
  return fromWire(response);
}

}  // namespace mq::client
