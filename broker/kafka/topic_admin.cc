#include "broker/kafka/topic_admin.h"

#include <algorithm>

#include "client/error.h"
#include "common/log.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::Error;

namespace mq::kafka {

std::unique_ptr<AdminClient> metaserverAdmin(const KafkaRequest& request, int32_t timeout_ms) {
  const BrokerConfig& config = request.broker.config;
  if (config.metaserver.empty()) {
    throwError(rpc::ErrorCode::INVALID_CONFIG,
               "this broker has no --metaserver: topics are administered with mqctl");
  }
  ClientConfig client;
  client.metaserver = config.metaserver;
  client.client_id = "kafka:" + request.clientId();
  client.token = request.session.token.value_or("");
  client.tls = config.security.clientTls();
  client.request_timeout_ms = std::max<int64_t>(timeout_ms, 5000);
  client.retries = 2;
  return std::make_unique<AdminClient>(client);
}

void refuseReplicaAssignments() {
  throw KafkaRefusal(KafkaError::kInvalidReplicaAssignment,
                     "replica assignments are not supported: mq places partitions on its "
                     "datanodes itself");
}

TopicAdminError topicAdminError(std::exception_ptr error, KafkaError invalid_request_as,
                                const char* api) {
  auto kafkaCode = [&](ErrorCode mq_code) {
    if (mq_code == rpc::ErrorCode::INVALID_REQUEST) return code(invalid_request_as);
    if (mq_code == rpc::ErrorCode::GROUP_NOT_EMPTY) {
      return code(KafkaError::kGroupSubscribedToTopic);
    }
    return code(toKafkaError(mq_code, AuthorizationScope::kTopic));
  };
  try {
    std::rethrow_exception(error);
  } catch (const KafkaRefusal& e) {
    return {code(e.error()), e.what()};
  } catch (const rpc::MqError& e) {
    return {kafkaCode(e.code), e.message};
  } catch (const Error& e) {
    return {kafkaCode(client::wireCode(e.code())), e.what()};
  } catch (const std::exception& e) {
    logWarn("Kafka topic administration failed").kv("api", api).kv("error", e.what());
    return {code(KafkaError::kUnknownServerError), e.what()};
  }
}

}  // namespace mq::kafka
