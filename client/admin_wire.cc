#include "client/admin_wire.h"

namespace mq::client {

TopicRetention fromWire(const rpc::TopicRetention& wire) {
  TopicRetention out;
  out.topic = wire.topic;
  out.retention_ms = wire.retention_ms;
  out.retention_bytes = wire.retention_bytes;
  out.retention_messages = wire.retention_messages;
  return out;
}

PartitionInfo fromWire(const rpc::PartitionInfo& wire) {
  PartitionInfo out;
  out.partition = wire.partition;
  out.datanode_id = wire.datanode_id;
  out.writable = wire.writable;
  out.table_name = wire.table_name;
  return out;
}

TopicInfo fromWire(const rpc::TopicInfo& wire) {
  TopicInfo out;
  out.name = wire.name;
  out.id = wire.id;
  out.partitions = fromWire(wire.partitions);
  out.retention_ms = wire.retention_ms;
  out.owner_team = wire.owner_team;
  out.description = wire.description;
  out.created_ms = wire.created_ms;
  return out;
}

BrokerInfo fromWire(const rpc::BrokerInfo& wire) {
  BrokerInfo out;
  out.id = wire.id;
  out.host = wire.host;
  out.port = wire.port;
  out.last_heartbeat_ms = wire.last_heartbeat_ms;
  out.started_ms = wire.started_ms;
  return out;
}

MetadataResponse fromWire(const rpc::MetadataResponse& wire) {
  MetadataResponse out;
  out.topics = fromWire(wire.topics);
  out.brokers = fromWire(wire.brokers);
  return out;
}

DatanodeReplica fromWire(const rpc::DatanodeReplica& wire) {
  DatanodeReplica out;
  out.host = wire.host;
  out.port = wire.port;
  out.state = wire.state;
  out.added_ms = wire.added_ms;
  return out;
}

DatanodeInfo fromWire(const rpc::DatanodeInfo& wire) {
  DatanodeInfo out;
  out.id = wire.id;
  out.name = wire.name;
  out.host = wire.host;
  out.port = wire.port;
  out.database_name = wire.database_name;
  out.user = wire.user;
  out.partition_count = wire.partition_count;
  out.healthy = wire.healthy;
  out.status_message = wire.status_message;
  out.epoch = wire.epoch;
  out.replicas = fromWire(wire.replicas);
  out.replication = wire.replication;
  return out;
}

FailoverDatanodeResponse fromWire(const rpc::FailoverDatanodeResponse& wire) {
  FailoverDatanodeResponse out;
  out.datanode = fromWire(wire.datanode);
  out.old_address = wire.old_address;
  out.old_primary_fenced = wire.old_primary_fenced;
  out.applied_gtid = wire.applied_gtid;
  out.brokers = wire.brokers;
  out.fence_ms = wire.fence_ms;
  out.catch_up_ms = wire.catch_up_ms;
  out.total_ms = wire.total_ms;
  return out;
}

RebuildReplicaRequest fromWire(const rpc::RebuildReplicaRequest& wire) {
  RebuildReplicaRequest out;
  out.datanode = wire.datanode;
  out.host = wire.host;
  out.port = wire.port;
  out.gtid_position = wire.gtid_position;
  out.replication_user = wire.replication_user;
  out.replication_password = wire.replication_password;
  out.timeout_ms = wire.timeout_ms;
  return out;
}

PeerClusterInfo fromWire(const rpc::PeerClusterInfo& wire) {
  PeerClusterInfo out;
  out.name = wire.name;
  out.metaserver = wire.metaserver;
  out.tls = wire.tls;
  out.token = wire.token;
  out.reachable = wire.reachable;
  out.problem = wire.problem;
  out.checked_at_ms = wire.checked_at_ms;
  return out;
}

AlertRule fromWire(const rpc::AlertRule& wire) {
  AlertRule out;
  out.id = wire.id;
  out.name = wire.name;
  out.group_id = wire.group_id;
  out.topic = wire.topic;
  out.kind = wire.kind;
  out.threshold = wire.threshold;
  out.for_ms = wire.for_ms;
  out.webhook_url = wire.webhook_url;
  out.created_ms = wire.created_ms;
  out.state = wire.state;
  out.state_since_ms = wire.state_since_ms;
  out.value = wire.value;
  out.evaluated_ms = wire.evaluated_ms;
  return out;
}

AlertEvent fromWire(const rpc::AlertEvent& wire) {
  AlertEvent out;
  out.id = wire.id;
  out.alert_id = wire.alert_id;
  out.alert_name = wire.alert_name;
  out.group_id = wire.group_id;
  out.topic = wire.topic;
  out.kind = wire.kind;
  out.event = wire.event;
  out.at_ms = wire.at_ms;
  out.value = wire.value;
  out.threshold = wire.threshold;
  out.message = wire.message;
  return out;
}

PartitionLifecycle fromWire(const rpc::PartitionLifecycle& wire) {
  PartitionLifecycle out;
  out.topic = wire.topic;
  out.partition = wire.partition;
  out.datanode_id = wire.datanode_id;
  out.datanode_name = wire.datanode_name;
  out.state = wire.state;
  out.writable = wire.writable;
  out.table_name = wire.table_name;
  out.start_offset = wire.start_offset;
  out.end_offset = wire.end_offset;
  out.replaced_by = wire.replaced_by;
  out.state_changed_ms = wire.state_changed_ms;
  out.drop_after_ms = wire.drop_after_ms;
  out.table_dropped = wire.table_dropped;
  out.segments = wire.segments;
  out.error = wire.error;
  out.size_bytes = wire.size_bytes;
  return out;
}

TopicLifecycle fromWire(const rpc::TopicLifecycle& wire) {
  TopicLifecycle out;
  out.retention = fromWire(wire.retention);
  out.partitions = fromWire(wire.partitions);
  return out;
}

MigratePartitionResponse fromWire(const rpc::MigratePartitionResponse& wire) {
  MigratePartitionResponse out;
  out.old_partition = fromWire(wire.old_partition);
  out.new_partition = fromWire(wire.new_partition);
  return out;
}

DeleteTopicResponse fromWire(const rpc::DeleteTopicResponse& wire) {
  DeleteTopicResponse out;
  out.name = wire.name;
  out.tables = wire.tables;
  out.drop_after_ms = wire.drop_after_ms;
  out.groups = wire.groups;
  return out;
}

DatanodeLifecycle fromWire(const rpc::DatanodeLifecycle& wire) {
  DatanodeLifecycle out;
  out.id = wire.id;
  out.name = wire.name;
  out.state = wire.state;
  out.active_partitions = wire.active_partitions;
  out.read_only_partitions = wire.read_only_partitions;
  out.tables_to_drop = wire.tables_to_drop;
  out.migrated = wire.migrated;
  return out;
}

OffsetResetEvent fromWire(const rpc::OffsetResetEvent& wire) {
  OffsetResetEvent out;
  out.id = wire.id;
  out.at_ms = wire.at_ms;
  out.group_id = wire.group_id;
  out.topic = wire.topic;
  out.partition = wire.partition;
  out.old_offset = wire.old_offset;
  out.new_offset = wire.new_offset;
  out.policy = wire.policy;
  out.reason = wire.reason;
  return out;
}

DeadLetterTopics fromWire(const rpc::DeadLetterTopics& wire) {
  DeadLetterTopics out;
  out.group_id = wire.group_id;
  out.topic = wire.topic;
  out.retry_topic = wire.retry_topic;
  out.dead_letter_topic = wire.dead_letter_topic;
  out.owner_team = wire.owner_team;
  out.created_ms = wire.created_ms;
  out.retry_partitions = wire.retry_partitions;
  return out;
}

DeadLetterSummary fromWire(const rpc::DeadLetterSummary& wire) {
  DeadLetterSummary out;
  out.topics = fromWire(wire.topics);
  out.messages = wire.messages;
  out.dead_lettered = wire.dead_lettered;
  out.retried = wire.retried;
  out.start_offset = wire.start_offset;
  out.end_offset = wire.end_offset;
  out.error = wire.error;
  return out;
}

StoredMessage fromWire(const rpc::StoredMessage& wire) {
  StoredMessage out;
  out.offset = wire.offset;
  if (wire.__isset.key) out.key = wire.key;
  out.value = wire.value;
  out.headers = wire.headers;
  out.timestamp_ms = wire.timestamp_ms;
  out.append_time_ms = wire.append_time_ms;
  return out;
}

DeadLetterPage fromWire(const rpc::DeadLetterPage& wire) {
  DeadLetterPage out;
  out.summary = fromWire(wire.summary);
  out.messages = fromWire(wire.messages);
  return out;
}

ReplayDeadLettersResponse fromWire(const rpc::ReplayDeadLettersResponse& wire) {
  ReplayDeadLettersResponse out;
  out.target_topic = wire.target_topic;
  out.offsets = wire.offsets;
  return out;
}

PurgeDeadLettersResponse fromWire(const rpc::PurgeDeadLettersResponse& wire) {
  PurgeDeadLettersResponse out;
  out.purged = wire.purged;
  out.start_offset = wire.start_offset;
  return out;
}

AccessToken fromWire(const rpc::AccessToken& wire) {
  AccessToken out;
  out.name = wire.name;
  out.team = wire.team;
  out.description = wire.description;
  out.created_ms = wire.created_ms;
  out.created_by = wire.created_by;
  out.last_used_ms = wire.last_used_ms;
  return out;
}

CreateTokenResponse fromWire(const rpc::CreateTokenResponse& wire) {
  CreateTokenResponse out;
  out.token = fromWire(wire.token);
  out.secret = wire.secret;
  return out;
}

AclEntry fromWire(const rpc::AclEntry& wire) {
  AclEntry out;
  out.resource_type = wire.resource_type;
  out.resource_name = wire.resource_name;
  out.principal_type = wire.principal_type;
  out.principal_name = wire.principal_name;
  out.permission = wire.permission;
  out.created_ms = wire.created_ms;
  out.created_by = wire.created_by;
  return out;
}

QuotaEntry fromWire(const rpc::QuotaEntry& wire) {
  QuotaEntry out;
  out.entity_type = wire.entity_type;
  out.entity_name = wire.entity_name;
  out.produce_bytes_per_sec = wire.produce_bytes_per_sec;
  out.fetch_bytes_per_sec = wire.fetch_bytes_per_sec;
  out.requests_per_sec = wire.requests_per_sec;
  out.updated_ms = wire.updated_ms;
  out.updated_by = wire.updated_by;
  return out;
}

TopicPartitions fromWire(const rpc::TopicPartitions& wire) {
  TopicPartitions out;
  out.topic = wire.topic;
  out.partitions = wire.partitions;
  return out;
}

GroupMemberDescription fromWire(const rpc::GroupMemberDescription& wire) {
  GroupMemberDescription out;
  out.member_id = wire.member_id;
  if (wire.__isset.group_instance_id) out.group_instance_id = wire.group_instance_id;
  out.client_id = wire.client_id;
  out.client_host = wire.client_host;
  out.assignment = fromWire(wire.assignment);
  out.last_heartbeat_ms = wire.last_heartbeat_ms;
  out.topics = wire.topics;
  return out;
}

CommittedOffset fromWire(const rpc::CommittedOffset& wire) {
  CommittedOffset out;
  out.topic = wire.topic;
  out.partition = wire.partition;
  out.offset = wire.offset;
  out.metadata = wire.metadata;
  out.committed_ms = wire.committed_ms;
  if (wire.__isset.previous_append_time_ms)
    out.previous_append_time_ms = wire.previous_append_time_ms;
  return out;
}

GroupSummary fromWire(const rpc::GroupSummary& wire) {
  GroupSummary out;
  out.group_id = wire.group_id;
  out.state = wire.state;
  out.generation_id = wire.generation_id;
  out.members = wire.members;
  out.protocol_name = wire.protocol_name;
  return out;
}

GroupDescription fromWire(const rpc::GroupDescription& wire) {
  GroupDescription out;
  out.group_id = wire.group_id;
  out.state = wire.state;
  out.generation_id = wire.generation_id;
  out.protocol_name = wire.protocol_name;
  out.leader_id = wire.leader_id;
  out.members = fromWire(wire.members);
  out.offsets = fromWire(wire.offsets);
  return out;
}

rpc::AclEntry toWire(const AclEntry& entry) {
  rpc::AclEntry wire;
  wire.resource_type = entry.resource_type;
  wire.resource_name = entry.resource_name;
  wire.principal_type = entry.principal_type;
  wire.principal_name = entry.principal_name;
  wire.permission = entry.permission;
  wire.created_ms = entry.created_ms;
  wire.created_by = entry.created_by;
  return wire;
}

rpc::QuotaEntry toWire(const QuotaEntry& entry) {
  rpc::QuotaEntry wire;
  wire.entity_type = entry.entity_type;
  wire.entity_name = entry.entity_name;
  wire.produce_bytes_per_sec = entry.produce_bytes_per_sec;
  wire.fetch_bytes_per_sec = entry.fetch_bytes_per_sec;
  wire.requests_per_sec = entry.requests_per_sec;
  wire.updated_ms = entry.updated_ms;
  wire.updated_by = entry.updated_by;
  return wire;
}

rpc::RebuildReplicaRequest toWire(const RebuildReplicaRequest& request) {
  rpc::RebuildReplicaRequest wire;
  wire.datanode = request.datanode;
  wire.host = request.host;
  wire.port = request.port;
  wire.gtid_position = request.gtid_position;
  wire.replication_user = request.replication_user;
  wire.replication_password = request.replication_password;
  wire.timeout_ms = request.timeout_ms;
  return wire;
}

}  // namespace mq::client
