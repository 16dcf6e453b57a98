#include "broker/kafka/handlers/create_topics.h"

#include <fmt/format.h>

#include <set>

#include "broker/kafka/protocol/messages/create_topics.h"
#include "broker/kafka/topic_admin.h"
#include "broker/kafka/topic_configs.h"
#include "common/topic_name.h"

namespace mq::kafka {
namespace {

// The broker's own checks, in Kafka's terms; the metaserver checks name, partitions and
// grant again when it creates.
NewTopic checkTopic(const CreateTopicsRequest::Topic& wanted, const Caller& caller,
                    NewTopicRetention* retention) {
  if (wanted.replication_factor != -1 && wanted.replication_factor != 1) {
    throw KafkaRefusal(
        KafkaError::kInvalidReplicationFactor,
        fmt::format("replication factor must be -1 or 1, got {}: mq keeps one copy of each "
                    "message in MariaDB, which does its own replication",
                    wanted.replication_factor));
  }
  if (!wanted.assignments.empty()) {
    refuseReplicaAssignments();
  }
  if (auto problem = topicNameProblem(wanted.name)) {
    throw KafkaRefusal(KafkaError::kInvalidTopicException, *problem);
  }
  NewTopic topic;
  topic.name = wanted.name;
  topic.partitions = wanted.num_partitions == -1 ? 1 : wanted.num_partitions;
  if (auto problem = partitionCountProblem(topic.partitions)) {
    throw KafkaRefusal(KafkaError::kInvalidPartitions, *problem);
  }
  *retention = retentionFromTopicConfigs(wanted.configs);
  topic.retention_ms = retention->retention_ms;
  caller.require(ResourceType::kTopic, topic.name, Permission::kAdmin);
  return topic;
}

std::vector<CreateTopicsResponse::Config> describe(const NewTopic& topic,
                                                   const NewTopicRetention& retention,
                                                   const BrokerConfig& config) {
  TopicRecord record;
  record.name = topic.name;
  record.retention_ms = topic.retention_ms == 0 ? kDefaultRetentionMs : topic.retention_ms;
  record.retention_bytes = retention.retention_bytes.value_or(0);
  std::vector<CreateTopicsResponse::Config> configs;
  for (const auto& value : topicConfigs(record, config)) {
    configs.push_back({value.name, value.value, true, value.source, false});
  }
  return configs;
}

}  // namespace

KafkaReply handleKafkaCreateTopics(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<CreateTopicsRequest>(request.body, version);
  CreateTopicsResponse response;
  std::set<std::string> seen;
  std::optional<Caller> caller;
  std::unique_ptr<AdminClient> admin;
  for (const auto& wanted : decoded.topics) {
    CreateTopicsResponse::Topic result;
    result.name = wanted.name;
    try {
      if (!seen.insert(wanted.name).second) {
        throw KafkaRefusal(KafkaError::kInvalidRequest,
                           fmt::format("topic `{}` is named twice in the request", wanted.name));
      }
      if (!caller) caller = request.authenticate();
      NewTopicRetention retention;
      const NewTopic topic = checkTopic(wanted, *caller, &retention);
      if (decoded.validate_only) {
        if (request.broker.meta.findTopic(topic.name)) {
          throwError(rpc::ErrorCode::TOPIC_ALREADY_EXISTS,
                     fmt::format("topic `{}` already exists", topic.name));
        }
      } else {
        if (!admin) admin = metaserverAdmin(request, decoded.timeout_ms);
        admin->createTopic(topic);
        if (retention.retention_bytes) {
          admin->setRetention(topic.name, std::nullopt, retention.retention_bytes);
        }
      }
      result.num_partitions = topic.partitions;
      result.replication_factor = 1;
      result.configs = describe(topic, retention, request.broker.config);
    } catch (...) {
      auto failure =
          topicAdminError(std::current_exception(), KafkaError::kInvalidPartitions, "CreateTopics");
      result.error_code = failure.error_code;
      result.error_message = failure.message;
    }
    response.topics.push_back(std::move(result));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
