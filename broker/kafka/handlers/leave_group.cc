#include "broker/kafka/handlers/leave_group.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/leave_group.h"

namespace mq::kafka {
namespace {

int16_t leave(KafkaRequest& request, const std::string& group_id, const std::string& member_id,
              const std::optional<std::string>& group_instance_id) {
  rpc::LeaveGroupRequest leave;
  leave.header.client_id = request.clientId();
  leave.group_id = group_id;
  leave.member_id = member_id;
  if (group_instance_id) leave.__set_group_instance_id(*group_instance_id);
  const auto left = request.broker.groups.leave(leave);
  return code(toKafkaError(left.error, AuthorizationScope::kGroup));
}

}  // namespace

KafkaReply handleKafkaLeaveGroup(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<LeaveGroupRequest>(request.body, version);
  LeaveGroupResponse response;
  try {
    request.authenticate().require(ResourceType::kGroup, decoded.group_id, Permission::kConsume);
    if (version < 3) {
      response.error_code = leave(request, decoded.group_id, decoded.member_id, std::nullopt);
    } else {
      for (const auto& member : decoded.members) {
        LeaveGroupResponse::Member out{member.member_id, member.group_instance_id, 0};
        try {
          out.error_code =
              leave(request, decoded.group_id, member.member_id, member.group_instance_id);
        } catch (...) {
          out.error_code = groupErrorCode(std::current_exception(), "LeaveGroup");
        }
        response.members.push_back(std::move(out));
      }
    }
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "LeaveGroup");
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
