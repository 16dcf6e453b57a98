#include "broker/kafka/handlers/describe_cluster.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/kafka_nodes.h"
#include "broker/kafka/protocol/messages/describe_cluster.h"

namespace mq::kafka {

KafkaReply handleKafkaDescribeCluster(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  decodeMessage<DescribeClusterRequest>(request.body, version);
  DescribeClusterResponse response;
  try {
    request.authenticate();
    const KafkaNode self = selfKafkaNode(request.broker.config);
    response.cluster_id = kKafkaClusterId;
    response.controller_id = self.node_id;
    for (const auto& node : kafkaNodes(request.broker.topology.liveBrokers(), self)) {
      response.brokers.push_back({node.node_id, node.host, node.port, std::nullopt});
    }
  } catch (const rpc::MqError& e) {
    response.error_code = code(toKafkaError(e.code, AuthorizationScope::kCluster));
    response.error_message = e.message;
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
