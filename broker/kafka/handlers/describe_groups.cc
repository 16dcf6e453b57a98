#include "broker/kafka/handlers/describe_groups.h"

#include "broker/kafka/consumer_protocol.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/describe_groups.h"

namespace mq::kafka {
namespace {

// Authenticated per group (a lookup in memory), so a refusal is that group's error code.
DescribeGroupsResponse::Group describe(KafkaRequest& request, const std::string& group_id) {
  DescribeGroupsResponse::Group out;
  out.group_id = group_id;
  try {
    request.authenticate().require(ResourceType::kGroup, group_id, Permission::kConsume);
    const auto described = request.broker.groups.describe(group_id);
    out.error_code = code(toKafkaError(described.error, AuthorizationScope::kGroup));
    const auto& group = described.group;
    out.group_state = group.state;
    // Kafka reports an empty protocol type for a group it does not know (state Dead).
    out.protocol_type = group.state == "Dead" ? "" : "consumer";
    out.protocol_data = group.protocol_name;
    for (const auto& member : group.members) {
      DescribeGroupsResponse::Member m;
      m.member_id = member.member_id;
      if (member.__isset.group_instance_id) m.group_instance_id = member.group_instance_id;
      m.client_id = member.client_id;
      m.client_host = member.client_host;
      rpc::ConsumerSubscription subscription;
      subscription.topics = member.topics;
      m.member_metadata = encodeSubscription(subscription);
      m.member_assignment = encodeAssignment(member.assignment);
      out.members.push_back(std::move(m));
    }
  } catch (...) {
    out.error_code = groupErrorCode(std::current_exception(), "DescribeGroups");
  }
  return out;
}

}  // namespace

KafkaReply handleKafkaDescribeGroups(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<DescribeGroupsRequest>(request.body, version);
  DescribeGroupsResponse response;
  for (const auto& group_id : decoded.groups)
    response.groups.push_back(describe(request, group_id));
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
