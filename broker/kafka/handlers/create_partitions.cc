#include "broker/kafka/handlers/create_partitions.h"

#include <fmt/format.h>

#include "broker/kafka/protocol/messages/create_partitions.h"
#include "broker/kafka/topic_admin.h"
#include "common/topic_name.h"

using mq::client::AdminClient;

namespace mq::kafka {

KafkaReply handleKafkaCreatePartitions(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<CreatePartitionsRequest>(request.body, version);
  CreatePartitionsResponse response;
  std::optional<Caller> caller;
  std::unique_ptr<AdminClient> admin;
  for (const auto& wanted : decoded.topics) {
    CreatePartitionsResponse::Result result;
    result.name = wanted.name;
    try {
      if (!caller) caller = request.authenticate();
      caller->require(ResourceType::kCluster, "*", Permission::kAdmin);
      if (!wanted.assignments_null) {
        refuseReplicaAssignments();
      }
      const auto topic = request.broker.meta.findTopic(wanted.name);
      if (!topic) {
        throwError(rpc::ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", wanted.name));
      }
      const int current = static_cast<int>(topic->partitions.size());
      if (wanted.count <= current) {
        throw KafkaRefusal(
            KafkaError::kInvalidPartitions,
            fmt::format("topic `{}` has {} partitions; the new total must be more (asked for {})",
                        wanted.name, current, wanted.count));
      }
      if (auto problem = partitionCountProblem(wanted.count)) {
        throw KafkaRefusal(KafkaError::kInvalidPartitions, *problem);
      }
      if (!decoded.validate_only) {
        if (!admin) admin = metaserverAdmin(request, decoded.timeout_ms);
        admin->addPartitions(wanted.name, wanted.count - current);
      }
    } catch (...) {
      auto failure = topicAdminError(std::current_exception(), KafkaError::kInvalidPartitions,
                                     "CreatePartitions");
      result.error_code = failure.error_code;
      result.error_message = failure.message;
    }
    response.results.push_back(std::move(result));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
