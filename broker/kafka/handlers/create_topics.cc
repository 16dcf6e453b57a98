#include "broker/kafka/handlers/create_topics.h"

#include <fmt/format.h>

#include <set>

#include "broker/kafka/dead_letter_topics.h"
#include "broker/kafka/protocol/messages/create_topics.h"
#include "broker/kafka/topic_admin.h"
#include "broker/kafka/topic_configs.h"
#include "common/topic_name.h"

using mq::client::AdminClient;
using mq::client::DeadLetterTopics;
using mq::client::NewTopic;

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

// `mq.dlq.<group>.<topic>` or `mq.retry.<group>.<topic>`: the group's pair of failed-message
// topics for <topic>, made by the metaserver and registered as the group's
// (dead_letter_topics.h). Returns the partition count of the topic asked for.
int32_t ensureDeadLetterPair(KafkaRequest& request, const CreateTopicsRequest::Topic& wanted,
                             bool validate_only, const Caller& caller, int32_t timeout_ms,
                             std::unique_ptr<AdminClient>& admin) {
  MetaStore& meta = request.broker.meta;
  if (wanted.replication_factor != -1 && wanted.replication_factor != 1) {
    throw KafkaRefusal(
        KafkaError::kInvalidReplicationFactor,
        fmt::format("replication factor must be -1 or 1, got {}", wanted.replication_factor));
  }
  if (!wanted.assignments.empty()) refuseReplicaAssignments();
  if (!wanted.configs.empty()) {
    throw KafkaRefusal(KafkaError::kInvalidConfig,
                       "a dead-letter or retry topic takes the metaserver's dead-letter-retention "
                       "or retry-retention; change it afterwards with mqctl topic set-retention");
  }
  if (meta.findTopic(wanted.name)) {
    throwError(rpc::ErrorCode::TOPIC_ALREADY_EXISTS,
               fmt::format("topic `{}` already exists", wanted.name));
  }
  const auto pairs = deadLetterPairsNamed(
      wanted.name, [&](const std::string& topic) { return meta.findTopic(topic).has_value(); });
  if (pairs.empty()) {
    throw KafkaRefusal(KafkaError::kInvalidTopicException,
                       fmt::format("`{}`: names beginning with mq.dlq. or mq.retry. are consumer "
                                   "groups' dead-letter and retry topics, "
                                   "mq.dlq.<group>.<topic> for an existing <topic>",
                                   wanted.name));
  }
  if (pairs.size() > 1) {
    throw KafkaRefusal(KafkaError::kInvalidTopicException,
                       fmt::format("`{}` is ambiguous: group `{}` and topic `{}`, or group `{}` "
                                   "and topic `{}`; make the pair with mqctl or the C++ consumer",
                                   wanted.name, pairs[0].group_id, pairs[0].topic,
                                   pairs[1].group_id, pairs[1].topic));
  }
  const DeadLetterPairName& pair = pairs.front();
  const bool dead_letters = pair.kind == "dlq";
  int32_t partitions =
      dead_letters ? 1 : static_cast<int32_t>(meta.findTopic(pair.topic)->partitions.size());
  if (wanted.num_partitions != -1 && wanted.num_partitions != partitions) {
    throw KafkaRefusal(
        KafkaError::kInvalidPartitions,
        fmt::format("`{}` has {} partition(s) ({}); ask for -1 or {}", wanted.name, partitions,
                    dead_letters ? "one dead-letter partition" : "as many as its original topic",
                    partitions));
  }
  if (validate_only) {
    caller.require(ResourceType::kGroup, pair.group_id, Permission::kConsume);
    return partitions;
  }
  if (!admin) admin = metaserverAdmin(request, timeout_ms);
  const DeadLetterTopics made = admin->ensureDeadLetterTopics(pair.group_id, pair.topic);
  const std::string& name = dead_letters ? made.dead_letter_topic : made.retry_topic;
  if (name != wanted.name) {
    throw KafkaRefusal(
        KafkaError::kInvalidTopicException,
        fmt::format("group `{}`'s {} topic for `{}` is `{}`, not `{}`", pair.group_id,
                    dead_letters ? "dead-letter" : "retry", pair.topic, name, wanted.name));
  }
  if (!dead_letters) partitions = made.retry_partitions;
  return partitions;
}

}  // namespace

KafkaReply handleKafkaCreateTopics(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<CreateTopicsRequest>(request.body, version);
  CreateTopicsResponse response;
  std::set<std::string> seen;
  std::optional<Caller> caller;
  std::unique_ptr<AdminClient> admin;
  bool created = false;
  for (const auto& wanted : decoded.topics) {
    CreateTopicsResponse::Topic result;
    result.name = wanted.name;
    try {
      if (!seen.insert(wanted.name).second) {
        throw KafkaRefusal(KafkaError::kInvalidRequest,
                           fmt::format("topic `{}` is named twice in the request", wanted.name));
      }
      if (!caller) caller = request.authenticate();
      if (isDeadLetterTopicName(wanted.name)) {
        result.num_partitions = ensureDeadLetterPair(request, wanted, decoded.validate_only,
                                                     *caller, decoded.timeout_ms, admin);
        created |= !decoded.validate_only;
        result.replication_factor = 1;
        response.topics.push_back(std::move(result));
        continue;
      }
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
        created = true;
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
  // What this broker answers next (Metadata, DescribeConfigs) shows the new topics as
  // created, retention included: its refresh thread may have read them between two steps.
  if (created) request.broker.topology.refreshNow();
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
