#include "broker/kafka/handlers/metadata.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/kafka_nodes.h"
#include "broker/kafka/protocol/messages/metadata.h"

namespace mq::kafka {
namespace {

MetadataResponse::Topic describe(const TopicRecord& topic, const std::vector<KafkaNode>& nodes) {
  MetadataResponse::Topic out;
  out.name = topic.name;
  out.topic_id = std::string(16, '\0');
  for (const auto& partition : topic.partitions) {
    MetadataResponse::Partition p;
    p.partition_index = partition.partition;
    p.leader_id = leaderFor(topic.name, partition.partition, nodes);
    p.leader_epoch = 0;
    p.replica_nodes = {p.leader_id};
    p.isr_nodes = {p.leader_id};
    out.partitions.push_back(std::move(p));
  }
  return out;
}

MetadataResponse::Topic failed(const std::string& name, KafkaError error) {
  MetadataResponse::Topic out;
  out.name = name;
  out.topic_id = std::string(16, '\0');
  out.error_code = code(error);
  return out;
}

}  // namespace

KafkaReply handleKafkaMetadata(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<MetadataRequest>(request.body, version);
  BrokerContext& broker = request.broker;
  const BrokerConfig& config = broker.config;
  const KafkaNode self = selfKafkaNode(config);
  const auto nodes = kafkaNodes(broker.topology.liveBrokers(), self);

  MetadataResponse response;
  response.cluster_id = kKafkaClusterId;
  response.controller_id = self.node_id;
  for (const auto& node : nodes) {
    response.brokers.push_back({node.node_id, node.host, node.port, std::nullopt});
  }
  std::optional<Caller> caller;
  try {
    caller = request.authenticate();
  } catch (const rpc::MqError& e) {
    // Without a valid token a client learns the brokers (to authenticate) but no topic.
    for (const auto& topic : decoded.topics) {
      response.topics.push_back(failed(topic.name.value_or(""), toKafkaError(e.code)));
    }
    return {encodeMessage(response, version)};
  }
  const bool all = decoded.all_topics || (version == 0 && decoded.topics.empty());
  if (all) {
    for (const auto& [name, topic] : broker.topology.topology()->topics) {
      response.topics.push_back(describe(topic, nodes));
    }
  } else {
    for (const auto& wanted : decoded.topics) {
      if (!wanted.name) {
        response.topics.push_back(failed("", KafkaError::kUnknownTopicOrPartition));
        continue;
      }
      try {
        // route() refreshes once for a topic created a moment ago.
        broker.topology.route(*wanted.name, 0);
        auto snapshot = broker.topology.topology();
        auto found = snapshot->topics.find(*wanted.name);
        if (found == snapshot->topics.end()) {
          throwError(rpc::ErrorCode::UNKNOWN_TOPIC, "unknown topic");
        }
        response.topics.push_back(describe(found->second, nodes));
      } catch (const rpc::MqError& e) {
        response.topics.push_back(failed(*wanted.name, toKafkaError(e.code)));
      }
    }
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
