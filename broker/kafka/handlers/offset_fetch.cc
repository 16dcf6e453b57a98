#include "broker/kafka/handlers/offset_fetch.h"

#include <map>

#include "broker/kafka/error_codes.h"
#include "broker/kafka/handlers/group_errors.h"
#include "broker/kafka/protocol/messages/offset_fetch.h"

namespace mq::kafka {
namespace {

OffsetFetchResponse::Partition notCommitted(int32_t partition, int16_t error = 0) {
  OffsetFetchResponse::Partition out;
  out.partition_index = partition;
  out.metadata = "";
  out.error_code = error;
  return out;
}

}  // namespace

KafkaReply handleKafkaOffsetFetch(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<OffsetFetchRequest>(request.body, version);
  OffsetFetchResponse response;
  try {
    const Caller caller = request.authenticate();
    caller.require(ResourceType::kGroup, decoded.group_id, Permission::kConsume);
    rpc::FetchOffsetsRequest fetch;
    fetch.header.client_id = request.clientId();
    fetch.group_id = decoded.group_id;
    if (!decoded.all_topics) {
      for (const auto& topic : decoded.topics) {
        rpc::TopicPartitions wanted;
        wanted.topic = topic.name;
        wanted.partitions = topic.partition_indexes;
        fetch.partitions.push_back(std::move(wanted));
      }
    }
    // The partitions asked for (all committed ones for a null list), -1 where none is.
    std::map<std::string, std::map<int32_t, OffsetFetchResponse::Partition>> answer;
    for (const auto& topic : fetch.partitions) {
      auto& partitions = answer[topic.topic];
      for (int32_t partition : topic.partitions) partitions[partition] = notCommitted(partition);
    }
    if (decoded.all_topics || !fetch.partitions.empty()) {
      const auto fetched = request.broker.groups.fetchOffsets(fetch);
      if (fetched.error != rpc::ErrorCode::NONE) {
        rpc::MqError error;
        error.code = fetched.error;
        error.message = fetched.error_message;
        throw error;
      }
      for (const auto& committed : fetched.offsets) {
        auto& out = answer[committed.topic][committed.partition];
        out = notCommitted(committed.partition);
        out.committed_offset = committed.offset;
        out.metadata = committed.metadata;
      }
    }
    for (auto& [topic, partitions] : answer) {
      OffsetFetchResponse::Topic out_topic;
      out_topic.name = topic;
      const bool allowed = caller.allows(ResourceType::kTopic, topic, Permission::kConsume);
      if (!allowed && decoded.all_topics) continue;  // not even named to this caller
      for (auto& [partition, out] : partitions) {
        out_topic.partitions.push_back(
            allowed ? out : notCommitted(partition, code(KafkaError::kTopicAuthorizationFailed)));
      }
      response.topics.push_back(std::move(out_topic));
    }
  } catch (...) {
    response.error_code = groupErrorCode(std::current_exception(), "OffsetFetch");
    if (version < 2) {
      // v0/v1 have no group-level error: every partition asked for carries it.
      for (const auto& topic : decoded.topics) {
        OffsetFetchResponse::Topic out_topic;
        out_topic.name = topic.name;
        for (int32_t partition : topic.partition_indexes) {
          out_topic.partitions.push_back(notCommitted(partition, response.error_code));
        }
        response.topics.push_back(std::move(out_topic));
      }
    }
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
