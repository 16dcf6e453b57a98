#include "broker/kafka/handlers/sync_group.h"

#include "broker/kafka/consumer_protocol.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/sync_group.h"

namespace mq::kafka {

KafkaReply handleKafkaSyncGroup(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<SyncGroupRequest>(request.body, version);
  rpc::SyncGroupRequest sync;
  sync.header.client_id = request.clientId();
  sync.group_id = decoded.group_id;
  sync.generation_id = decoded.generation_id;
  sync.member_id = decoded.member_id;
  if (decoded.group_instance_id) sync.__set_group_instance_id(*decoded.group_instance_id);
  for (const auto& assignment : decoded.assignments) {
    rpc::MemberAssignment member;
    member.member_id = assignment.member_id;
    member.partitions = decodeAssignment(assignment.assignment);
    sync.assignments.push_back(std::move(member));
  }

  SyncGroupResponse response;
  try {
    request.authenticate().require(ResourceType::kGroup, decoded.group_id, Permission::kConsume);
    const auto synced = request.broker.groups.sync(sync);
    response.error_code = code(toKafkaError(synced.error, AuthorizationScope::kGroup));
    if (synced.error == rpc::ErrorCode::NONE)
      response.assignment = encodeAssignment(synced.assignment);
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "SyncGroup");
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
