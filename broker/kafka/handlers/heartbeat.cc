#include "broker/kafka/handlers/heartbeat.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/heartbeat.h"

namespace mq::kafka {

KafkaReply handleKafkaHeartbeat(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<HeartbeatRequest>(request.body, version);
  HeartbeatResponse response;
  try {
    request.authenticate().require(ResourceType::kGroup, decoded.group_id, Permission::kConsume);
    rpc::HeartbeatRequest heartbeat;
    heartbeat.header.client_id = request.clientId();
    heartbeat.group_id = decoded.group_id;
    heartbeat.generation_id = decoded.generation_id;
    heartbeat.member_id = decoded.member_id;
    if (decoded.group_instance_id) heartbeat.__set_group_instance_id(*decoded.group_instance_id);
    const auto answered = request.broker.groups.heartbeat(heartbeat);
    response.error_code = code(toKafkaError(answered.error, AuthorizationScope::kGroup));
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "Heartbeat");
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
