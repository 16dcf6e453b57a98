#include "broker/kafka/handlers/describe_configs.h"

#include <fmt/format.h>

#include <algorithm>

#include "broker/kafka/kafka_nodes.h"
#include "broker/kafka/protocol/messages/describe_configs.h"
#include "broker/kafka/topic_admin.h"
#include "broker/kafka/topic_configs.h"

namespace mq::kafka {
namespace {

std::vector<KafkaConfigValue> configsOf(KafkaRequest& request,
                                        const DescribeConfigsRequest::Resource& resource) {
  const BrokerConfig& config = request.broker.config;
  if (resource.resource_type == kConfigResourceTopic) {
    // route() refreshes once for a topic created a moment ago.
    request.broker.topology.route(resource.resource_name, 0);
    auto snapshot = request.broker.topology.topology();
    auto found = snapshot->topics.find(resource.resource_name);
    if (found == snapshot->topics.end()) {
      throwError(rpc::ErrorCode::UNKNOWN_TOPIC,
                 fmt::format("unknown topic `{}`", resource.resource_name));
    }
    return topicConfigs(found->second, config);
  }
  if (resource.resource_type == kConfigResourceBroker) {
    const std::string self = std::to_string(selfKafkaNode(config).node_id);
    if (!resource.resource_name.empty() && resource.resource_name != self) {
      throw KafkaRefusal(KafkaError::kInvalidRequest,
                         fmt::format("this is broker {}; ask broker {} for its configs", self,
                                     resource.resource_name));
    }
    return brokerConfigs(config);
  }
  throw KafkaRefusal(KafkaError::kInvalidRequest,
                     fmt::format("resource type {} has no configs here (topics: 2, brokers: 4)",
                                 resource.resource_type));
}

}  // namespace

KafkaReply handleKafkaDescribeConfigs(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  const auto decoded = decodeMessage<DescribeConfigsRequest>(request.body, version);
  DescribeConfigsResponse response;
  std::optional<Caller> caller;
  for (const auto& resource : decoded.resources) {
    DescribeConfigsResponse::Result result;
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    try {
      if (!caller) caller = request.authenticate();
      for (auto& value : configsOf(request, resource)) {
        const auto& keys = resource.configuration_keys;
        if (!resource.all_keys && std::find(keys.begin(), keys.end(), value.name) == keys.end()) {
          continue;
        }
        DescribeConfigsResponse::Config config;
        config.name = value.name;
        config.value = value.value;
        config.is_default = value.source == kConfigSourceDefault;
        config.config_source = value.source;
        config.config_type = value.type;
        result.configs.push_back(std::move(config));
      }
    } catch (...) {
      auto failure =
          topicAdminError(std::current_exception(), KafkaError::kInvalidRequest, "DescribeConfigs");
      result.error_code = failure.error_code;
      result.error_message = failure.message;
    }
    response.results.push_back(std::move(result));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
