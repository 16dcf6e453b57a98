#include "broker/kafka/handlers/join_group.h"

#include "broker/kafka/consumer_protocol.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/join_group.h"

namespace mq::kafka {
namespace {

constexpr char kConsumerProtocolType[] = "consumer";
constexpr int16_t kFirstVersionWithMemberIdRequired = 4;

rpc::JoinGroupRequest toJoin(const KafkaRequest& request, const JoinGroupRequest& decoded) {
  rpc::JoinGroupRequest join;
  join.header.client_id = request.clientId();
  join.group_id = decoded.group_id;
  join.member_id = decoded.member_id;
  if (decoded.group_instance_id) join.__set_group_instance_id(*decoded.group_instance_id);
  join.session_timeout_ms = decoded.session_timeout_ms;
  join.rebalance_timeout_ms =
      decoded.rebalance_timeout_ms >= 0 ? decoded.rebalance_timeout_ms : decoded.session_timeout_ms;
  join.client_host = peerAddress(request.session.peer);
  for (const auto& protocol : decoded.protocols) {
    rpc::GroupProtocol offered;
    offered.name = protocol.name;
    offered.subscription = decodeSubscription(protocol.metadata);
    join.protocols.push_back(std::move(offered));
  }
  return join;
}

}  // namespace

KafkaReply handleKafkaJoinGroup(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<JoinGroupRequest>(request.body, version);
  JoinGroupResponse response;
  response.member_id = decoded.member_id;
  if (decoded.protocol_type != kConsumerProtocolType) {
    // Kafka Connect and other protocol types assign in ways the coordinator cannot share
    // with the Thrift door's members.
    response.error_code = code(KafkaError::kInconsistentGroupProtocol);
    return {encodeMessage(response, version)};
  }
  try {
    request.authenticate().require(ResourceType::kGroup, decoded.group_id, Permission::kConsume);
    auto join = toJoin(request, decoded);
    auto joined = request.broker.groups.join(join);
    if (joined.error == rpc::ErrorCode::MEMBER_ID_REQUIRED &&
        version < kFirstVersionWithMemberIdRequired) {
      join.member_id = joined.member_id;
      joined = request.broker.groups.join(join);
    }
    response.error_code = code(toKafkaError(joined.error, AuthorizationScope::kGroup));
    response.generation_id = joined.generation_id;
    response.protocol_name = joined.protocol_name;
    response.leader = joined.leader_id;
    response.member_id = joined.member_id;
    for (const auto& member : joined.members) {
      JoinGroupResponse::Member out;
      out.member_id = member.member_id;
      if (member.__isset.group_instance_id) out.group_instance_id = member.group_instance_id;
      out.metadata = encodeSubscription(member.subscription);
      response.members.push_back(std::move(out));
    }
  } catch (const KafkaDecodeError&) {
    throw;  // a subscription that is not one: the request is malformed
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "JoinGroup");
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
