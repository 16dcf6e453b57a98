#include "broker/handlers/metadata_handler.h"

#include <fmt/format.h>

#include "storage/topology_wire.h"

namespace mq {

rpc::MetadataResponse handleMetadata(BrokerContext& context, const rpc::MetadataRequest& request) {
  rpc::MetadataResponse response;
  if (request.topics.empty()) {
    for (const auto& [name, topic] : context.topology.topology()->topics) {
      response.topics.push_back(toTopicInfo(topic));
    }
  } else {
    for (const auto& name : request.topics) {
      // route() refreshes once for a topic created a moment ago, and names the problem.
      context.topology.route(name, 0);
      auto snapshot = context.topology.topology();
      auto it = snapshot->topics.find(name);
      if (it == snapshot->topics.end()) {
        throwError(rpc::ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", name));
      }
      response.topics.push_back(toTopicInfo(it->second));
    }
  }
  for (const auto& broker : context.topology.liveBrokers()) {
    response.brokers.push_back(toBrokerInfo(broker));
  }
  return response;
}

}  // namespace mq
