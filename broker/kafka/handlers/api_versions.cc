#include "broker/kafka/handlers/api_versions.h"

#include "broker/kafka/protocol/api_keys.h"
#include "broker/kafka/protocol/messages/api_versions.h"

namespace mq::kafka {

KafkaReply handleKafkaApiVersions(KafkaRequest& request) {
  decodeMessage<ApiVersionsRequest>(request.body, request.header.api_version);
  ApiVersionsResponse response;
  for (const auto& api : supportedApis()) {
    response.api_keys.push_back(
        {static_cast<int16_t>(api.key), api.listed_min_version, api.max_version});
  }
  return {encodeMessage(response, request.header.api_version)};
}

}  // namespace mq::kafka
