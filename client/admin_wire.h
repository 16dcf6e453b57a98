// Conversions between the wire's descriptions (mq_types.h, idl/mq.thrift) and the values
// the client's admin API returns (mq/admin_records.h), field by field.
#pragma once

#include <vector>

#include "mq/admin_records.h"
#include "mq_types.h"

namespace mq::client {

TopicRetention fromWire(const rpc::TopicRetention& wire);
PartitionInfo fromWire(const rpc::PartitionInfo& wire);
TopicInfo fromWire(const rpc::TopicInfo& wire);
BrokerInfo fromWire(const rpc::BrokerInfo& wire);
MetadataResponse fromWire(const rpc::MetadataResponse& wire);
DatanodeReplica fromWire(const rpc::DatanodeReplica& wire);
DatanodeInfo fromWire(const rpc::DatanodeInfo& wire);
FailoverDatanodeResponse fromWire(const rpc::FailoverDatanodeResponse& wire);
RebuildReplicaRequest fromWire(const rpc::RebuildReplicaRequest& wire);
PeerClusterInfo fromWire(const rpc::PeerClusterInfo& wire);
AlertRule fromWire(const rpc::AlertRule& wire);
AlertEvent fromWire(const rpc::AlertEvent& wire);
PartitionLifecycle fromWire(const rpc::PartitionLifecycle& wire);
TopicLifecycle fromWire(const rpc::TopicLifecycle& wire);
MigratePartitionResponse fromWire(const rpc::MigratePartitionResponse& wire);
DeleteTopicResponse fromWire(const rpc::DeleteTopicResponse& wire);
DatanodeLifecycle fromWire(const rpc::DatanodeLifecycle& wire);
OffsetResetEvent fromWire(const rpc::OffsetResetEvent& wire);
DeadLetterTopics fromWire(const rpc::DeadLetterTopics& wire);
DeadLetterSummary fromWire(const rpc::DeadLetterSummary& wire);
StoredMessage fromWire(const rpc::StoredMessage& wire);
DeadLetterPage fromWire(const rpc::DeadLetterPage& wire);
ReplayDeadLettersResponse fromWire(const rpc::ReplayDeadLettersResponse& wire);
PurgeDeadLettersResponse fromWire(const rpc::PurgeDeadLettersResponse& wire);
AccessToken fromWire(const rpc::AccessToken& wire);
CreateTokenResponse fromWire(const rpc::CreateTokenResponse& wire);
AclEntry fromWire(const rpc::AclEntry& wire);
QuotaEntry fromWire(const rpc::QuotaEntry& wire);
TopicPartitions fromWire(const rpc::TopicPartitions& wire);
GroupMemberDescription fromWire(const rpc::GroupMemberDescription& wire);
CommittedOffset fromWire(const rpc::CommittedOffset& wire);
GroupSummary fromWire(const rpc::GroupSummary& wire);
GroupDescription fromWire(const rpc::GroupDescription& wire);

template <typename Wire>
auto fromWire(const std::vector<Wire>& wire) {
  std::vector<decltype(fromWire(wire.front()))> out;
  out.reserve(wire.size());
  for (const auto& element : wire) out.push_back(fromWire(element));
  return out;
}

rpc::AclEntry toWire(const AclEntry& entry);
rpc::QuotaEntry toWire(const QuotaEntry& entry);
// Without the header: AdminClient adds its own.
rpc::RebuildReplicaRequest toWire(const RebuildReplicaRequest& request);

}  // namespace mq::client
