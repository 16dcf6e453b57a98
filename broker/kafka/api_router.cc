#include "broker/kafka/api_router.h"

#include <stdexcept>

#include "broker/kafka/handlers/api_versions.h"
#include "broker/kafka/handlers/create_partitions.h"
#include "broker/kafka/handlers/create_topics.h"
#include "broker/kafka/handlers/delete_groups.h"
#include "broker/kafka/handlers/delete_topics.h"
#include "broker/kafka/handlers/describe_cluster.h"
#include "broker/kafka/handlers/describe_configs.h"
#include "broker/kafka/handlers/describe_groups.h"
#include "broker/kafka/handlers/fetch.h"
#include "broker/kafka/handlers/find_coordinator.h"
#include "broker/kafka/handlers/heartbeat.h"
#include "broker/kafka/handlers/init_producer_id.h"
#include "broker/kafka/handlers/join_group.h"
#include "broker/kafka/handlers/leave_group.h"
#include "broker/kafka/handlers/list_groups.h"
#include "broker/kafka/handlers/list_offsets.h"
#include "broker/kafka/handlers/metadata.h"
#include "broker/kafka/handlers/offset_commit.h"
#include "broker/kafka/handlers/offset_fetch.h"
#include "broker/kafka/handlers/produce.h"
#include "broker/kafka/handlers/sasl.h"
#include "broker/kafka/handlers/sync_group.h"
#include "broker/kafka/protocol/api_keys.h"

namespace mq::kafka {

KafkaReply dispatchKafkaRequest(KafkaRequest& request) {
  switch (static_cast<ApiKey>(request.header.api_key)) {
    case ApiKey::kProduce:
      return handleKafkaProduce(request);
    case ApiKey::kFetch:
      return handleKafkaFetch(request);
    case ApiKey::kListOffsets:
      return handleKafkaListOffsets(request);
    case ApiKey::kMetadata:
      return handleKafkaMetadata(request);
    case ApiKey::kApiVersions:
      return handleKafkaApiVersions(request);
    case ApiKey::kInitProducerId:
      return handleKafkaInitProducerId(request);
    case ApiKey::kOffsetCommit:
      return handleKafkaOffsetCommit(request);
    case ApiKey::kOffsetFetch:
      return handleKafkaOffsetFetch(request);
    case ApiKey::kFindCoordinator:
      return handleKafkaFindCoordinator(request);
    case ApiKey::kJoinGroup:
      return handleKafkaJoinGroup(request);
    case ApiKey::kHeartbeat:
      return handleKafkaHeartbeat(request);
    case ApiKey::kLeaveGroup:
      return handleKafkaLeaveGroup(request);
    case ApiKey::kSyncGroup:
      return handleKafkaSyncGroup(request);
    case ApiKey::kDescribeGroups:
      return handleKafkaDescribeGroups(request);
    case ApiKey::kListGroups:
      return handleKafkaListGroups(request);
    case ApiKey::kDeleteGroups:
      return handleKafkaDeleteGroups(request);
    case ApiKey::kSaslHandshake:
      return handleKafkaSaslHandshake(request);
    case ApiKey::kSaslAuthenticate:
      return handleKafkaSaslAuthenticate(request);
    case ApiKey::kCreateTopics:
      return handleKafkaCreateTopics(request);
    case ApiKey::kDeleteTopics:
      return handleKafkaDeleteTopics(request);
    case ApiKey::kDescribeConfigs:
      return handleKafkaDescribeConfigs(request);
    case ApiKey::kCreatePartitions:
      return handleKafkaCreatePartitions(request);
    case ApiKey::kDescribeCluster:
      return handleKafkaDescribeCluster(request);
  }
  throw std::logic_error("Kafka API " + std::to_string(request.header.api_key) +
                         " is listed as supported but has no handler");
}

}  // namespace mq::kafka
