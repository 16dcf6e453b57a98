#include "broker/kafka/handlers/delete_groups.h"

#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/delete_groups.h"

namespace mq::kafka {

KafkaReply handleKafkaDeleteGroups(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<DeleteGroupsRequest>(request.body, version);
  DeleteGroupsResponse response;
  for (const auto& group_id : decoded.groups_names) {
    DeleteGroupsResponse::Result result{group_id, 0};
    try {
      request.authenticate().require(ResourceType::kGroup, group_id, Permission::kAdmin);
      request.broker.groups.remove(group_id);
    } catch (...) {
      result.error_code = groupErrorCode(std::current_exception(), "DeleteGroups");
    }
    response.results.push_back(std::move(result));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
