#include "broker/kafka/handlers/find_coordinator.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/kafka_nodes.h"
#include "broker/kafka/protocol/messages/find_coordinator.h"

namespace mq::kafka {

KafkaReply handleKafkaFindCoordinator(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<FindCoordinatorRequest>(request.body, version);
  FindCoordinatorResponse response;
  if (decoded.key_type != kCoordinatorGroup) {
    response.error_code = code(KafkaError::kInvalidRequest);
    response.error_message = "mq has no transaction coordinator: transactions are not supported";
    return {encodeMessage(response, version)};
  }
  try {
    request.authenticate().require(ResourceType::kGroup, decoded.key, Permission::kConsume);
    const KafkaNode self = selfKafkaNode(request.broker.config);
    response.node_id = self.node_id;
    response.host = self.host;
    response.port = self.port;
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "FindCoordinator");
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
