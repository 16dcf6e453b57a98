#include "broker/kafka/protocol/api_keys.h"

#include <algorithm>

#include "broker/kafka/protocol/messages/api_versions.h"
#include "broker/kafka/protocol/messages/create_partitions.h"
#include "broker/kafka/protocol/messages/create_topics.h"
#include "broker/kafka/protocol/messages/delete_groups.h"
#include "broker/kafka/protocol/messages/delete_topics.h"
#include "broker/kafka/protocol/messages/describe_cluster.h"
#include "broker/kafka/protocol/messages/describe_configs.h"
#include "broker/kafka/protocol/messages/describe_groups.h"
#include "broker/kafka/protocol/messages/fetch.h"
#include "broker/kafka/protocol/messages/find_coordinator.h"
#include "broker/kafka/protocol/messages/heartbeat.h"
#include "broker/kafka/protocol/messages/init_producer_id.h"
#include "broker/kafka/protocol/messages/join_group.h"
#include "broker/kafka/protocol/messages/leave_group.h"
#include "broker/kafka/protocol/messages/list_groups.h"
#include "broker/kafka/protocol/messages/list_offsets.h"
#include "broker/kafka/protocol/messages/metadata.h"
#include "broker/kafka/protocol/messages/offset_commit.h"
#include "broker/kafka/protocol/messages/offset_fetch.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/messages/sasl.h"
#include "broker/kafka/protocol/messages/sync_group.h"

namespace mq::kafka {
namespace {

template <class Request>
ApiSupport entry(ApiKey key, const char* name) {
  // Produce is listed from v0 for librdkafka's compression: see ApiSupport::listed_min_version.
  const int16_t listed_min = key == ApiKey::kProduce ? 0 : Request::kMinVersion;
  return {key,       name, Request::kMinVersion, Request::kMaxVersion, Request::kFlexibleFrom,
          listed_min};
}

}  // namespace

const std::vector<ApiSupport>& supportedApis() {
  static const std::vector<ApiSupport> apis = {
      entry<ProduceRequest>(ApiKey::kProduce, "Produce"),
      entry<FetchRequest>(ApiKey::kFetch, "Fetch"),
      entry<ListOffsetsRequest>(ApiKey::kListOffsets, "ListOffsets"),
      entry<MetadataRequest>(ApiKey::kMetadata, "Metadata"),
      entry<OffsetCommitRequest>(ApiKey::kOffsetCommit, "OffsetCommit"),
      entry<OffsetFetchRequest>(ApiKey::kOffsetFetch, "OffsetFetch"),
      entry<FindCoordinatorRequest>(ApiKey::kFindCoordinator, "FindCoordinator"),
      entry<JoinGroupRequest>(ApiKey::kJoinGroup, "JoinGroup"),
      entry<HeartbeatRequest>(ApiKey::kHeartbeat, "Heartbeat"),
      entry<LeaveGroupRequest>(ApiKey::kLeaveGroup, "LeaveGroup"),
      entry<SyncGroupRequest>(ApiKey::kSyncGroup, "SyncGroup"),
      entry<DescribeGroupsRequest>(ApiKey::kDescribeGroups, "DescribeGroups"),
      entry<ListGroupsRequest>(ApiKey::kListGroups, "ListGroups"),
      entry<ApiVersionsRequest>(ApiKey::kApiVersions, "ApiVersions"),
      entry<InitProducerIdRequest>(ApiKey::kInitProducerId, "InitProducerId"),
      entry<DeleteGroupsRequest>(ApiKey::kDeleteGroups, "DeleteGroups"),
      entry<SaslHandshakeRequest>(ApiKey::kSaslHandshake, "SaslHandshake"),
      entry<SaslAuthenticateRequest>(ApiKey::kSaslAuthenticate, "SaslAuthenticate"),
      entry<CreateTopicsRequest>(ApiKey::kCreateTopics, "CreateTopics"),
      entry<DeleteTopicsRequest>(ApiKey::kDeleteTopics, "DeleteTopics"),
      entry<DescribeConfigsRequest>(ApiKey::kDescribeConfigs, "DescribeConfigs"),
      entry<CreatePartitionsRequest>(ApiKey::kCreatePartitions, "CreatePartitions"),
      entry<DescribeClusterRequest>(ApiKey::kDescribeCluster, "DescribeCluster"),
  };
  return apis;
}

std::optional<ApiSupport> findApi(int16_t api_key) {
  for (const auto& api : supportedApis()) {
    if (static_cast<int16_t>(api.key) == api_key) return api;
  }
  return std::nullopt;
}

bool usesFlexibleHeader(int16_t api_key, int16_t api_version) {
  auto api = findApi(api_key);
  return api && api_version >= api->flexible_from;
}

}  // namespace mq::kafka
