#include "broker/kafka/handlers/list_groups.h"

#include <algorithm>

#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/list_groups.h"

namespace mq::kafka {

KafkaReply handleKafkaListGroups(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<ListGroupsRequest>(request.body, version);
  ListGroupsResponse response;
  try {
    const Caller caller = request.authenticate();
    for (const auto& group : request.broker.groups.list()) {
      if (!caller.allows(ResourceType::kGroup, group.group_id, Permission::kConsume)) continue;
      const auto& filter = decoded.states_filter;
      if (!filter.empty() && std::find(filter.begin(), filter.end(), group.state) == filter.end()) {
        continue;
      }
      response.groups.push_back({group.group_id, "consumer", group.state});
    }
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "ListGroups");
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
