#include "broker/kafka/handlers/offset_commit.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/offset_commit.h"

namespace mq::kafka {

KafkaReply handleKafkaOffsetCommit(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<OffsetCommitRequest>(request.body, version);

  // Every partition answers: a topic the caller may not consume is refused on its own
  // (TOPIC_AUTHORIZATION_FAILED), the others are committed together.
  OffsetCommitResponse response;
  rpc::CommitOffsetsRequest commit;
  int16_t whole_error = 0;
  std::vector<bool> topic_allowed;
  try {
    const Caller caller = request.authenticate();
    caller.require(ResourceType::kGroup, decoded.group_id, Permission::kConsume);
    commit.header.client_id = request.clientId();
    commit.group_id = decoded.group_id;
    commit.generation_id = decoded.generation_id;
    commit.member_id = decoded.member_id;
    if (decoded.group_instance_id) commit.__set_group_instance_id(*decoded.group_instance_id);
    for (const auto& topic : decoded.topics) {
      topic_allowed.push_back(
          caller.allows(ResourceType::kTopic, topic.name, Permission::kConsume));
      if (!topic_allowed.back()) continue;
      for (const auto& partition : topic.partitions) {
        rpc::OffsetCommitPartition offset;
        offset.topic = topic.name;
        offset.partition = partition.partition_index;
        offset.offset = partition.committed_offset;
        offset.metadata = partition.committed_metadata.value_or("");
        commit.offsets.push_back(std::move(offset));
      }
    }
    if (!commit.offsets.empty()) {
      const auto committed = request.broker.groups.commit(commit);
      whole_error = code(toKafkaError(committed.error, AuthorizationScope::kGroup));
    }
  } catch (...) {
    whole_error = groupErrorCode(std::current_exception(), "OffsetCommit");
  }

  for (size_t t = 0; t < decoded.topics.size(); ++t) {
    const auto& topic = decoded.topics[t];
    OffsetCommitResponse::Topic out_topic;
    out_topic.name = topic.name;
    const bool refused = t < topic_allowed.size() && !topic_allowed[t];
    for (const auto& partition : topic.partitions) {
      out_topic.partitions.push_back(
          {partition.partition_index,
           refused ? code(KafkaError::kTopicAuthorizationFailed) : whole_error});
    }
    response.topics.push_back(std::move(out_topic));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
