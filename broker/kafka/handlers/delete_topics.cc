#include "broker/kafka/handlers/delete_topics.h"

#include "broker/kafka/protocol/messages/delete_topics.h"
#include "broker/kafka/topic_admin.h"

using mq::client::AdminClient;

namespace mq::kafka {

KafkaReply handleKafkaDeleteTopics(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<DeleteTopicsRequest>(request.body, version);
  for (const auto& name : decoded.topic_names) decoded.topics.push_back({name});
  DeleteTopicsResponse response;
  std::unique_ptr<AdminClient> admin;
  for (const auto& wanted : decoded.topics) {
    DeleteTopicsResponse::Result result;
    result.name = wanted.name;
    result.topic_id = wanted.topic_id;
    try {
      if (!wanted.name) {
        throw KafkaRefusal(KafkaError::kUnknownTopicId,
                           "mq topics have no ids: name the topic to delete");
      }
      if (!admin) admin = metaserverAdmin(request, decoded.timeout_ms);
      admin->deleteTopic(*wanted.name);
    } catch (...) {
      auto failure =
          topicAdminError(std::current_exception(), KafkaError::kInvalidRequest, "DeleteTopics");
      result.error_code = failure.error_code;
      result.error_message = failure.message;
    }
    response.responses.push_back(std::move(result));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
