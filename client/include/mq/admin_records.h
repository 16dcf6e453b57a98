// What the AdminClient and the ConsumerGroupAdmin report: plain values owned by the client
// library (part of mq/client.h). They carry the fields of the wire's descriptions
// (idl/mq.thrift) under the same names, so that a change of the wire does not change this
// API by itself; client/admin_wire.cc converts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mq::client {

// ---------------------------------------------------------------------------------------
// Topics, brokers and datanodes (AdminClient)

struct TopicRetention {
  std::string topic;
  int64_t retention_ms = 0;        // messages older than this are removed
  int64_t retention_bytes = 0;     // per partition; 0 = no size limit
  int64_t retention_messages = 0;  // per partition; 0 = no count limit
};

struct PartitionInfo {
  int32_t partition = 0;
  int32_t datanode_id = 0;
  bool writable = false;
  std::string table_name;
};

struct TopicInfo {
  std::string name;
  int64_t id = 0;
  std::vector<PartitionInfo> partitions;
  int64_t retention_ms = 0;
  std::string owner_team;
  std::string description;
  int64_t created_ms = 0;
};

struct BrokerInfo {
  std::string id;
  std::string host;
  int32_t port = 0;
  int64_t last_heartbeat_ms = 0;
  int64_t started_ms = 0;
};

struct MetadataResponse {
  std::vector<TopicInfo> topics;
  std::vector<BrokerInfo> brokers;
};

struct DatanodeReplica {
  std::string host;
  int32_t port = 0;
  std::string state;  // replica (may be promoted) or stale (a former primary,
                      // kept read-only until rebuilt as a replica)
  int64_t added_ms = 0;
};

struct DatanodeInfo {
  int32_t id = 0;
  std::string name;
  std::string host;
  int32_t port = 0;
  std::string database_name;
  std::string user;
  int32_t partition_count = 0;
  bool healthy = false;
  std::string status_message;
  int64_t epoch = 0;  // bumped by every failover's fence
  std::vector<DatanodeReplica> replicas;
  std::string replication;  // the primary's: "semi-sync, N replicas", "asynchronous
                            // (semi-sync off)" (a failover may lose acknowledged
                            // writes), "no binary log", or "" when it did not answer
};

struct FailoverDatanodeResponse {
  DatanodeInfo datanode;             // as recorded now (the new address)
  std::string old_address;           // host:port of the old primary
  bool old_primary_fenced = false;   // false: it did not answer (it is down)
  std::string applied_gtid;          // the replica's GTID position when it was promoted
  std::vector<std::string> brokers;  // the brokers that confirmed the fence
  int64_t fence_ms = 0;              // fencing took (brokers confirmed)
  int64_t catch_up_ms = 0;           // waiting for the replica to apply what it received
  int64_t total_ms = 0;
};

// AdminClient::rebuildDatanodeReplica's request.
struct RebuildReplicaRequest {
  std::string datanode;
  std::string host;  // the restored server
  int32_t port = 0;
  std::string gtid_position;         // where the backup ends (xtrabackup_binlog_info)
  std::string replication_user;      // "" = the datanode's own user
  std::string replication_password;  // with replication_user
  int32_t timeout_ms = 30000;        // how long to wait for the replica to connect
};

struct PeerClusterInfo {
  std::string name;
  std::string metaserver;     // host:port of its metaserver
  bool tls = false;           // reached with TLS
  bool token = false;         // a token file is configured for it
  bool reachable = false;     // the last check reached it and it answered with this name
  std::string problem;        // why not ("" when reachable, or not checked yet)
  int64_t checked_at_ms = 0;  // when the last check ended; 0 = not checked yet
};

// ---------------------------------------------------------------------------------------
// Lag alerts

struct AlertRule {
  int64_t id = 0;
  std::string name;  // unique; 1-128 characters from [A-Za-z0-9._-]
  std::string group_id;
  std::string topic;        // "" = every topic of the group
  std::string kind;         // lag_messages | lag_seconds | status
  int64_t threshold = 0;    // lag_messages: messages; lag_seconds: seconds; status: unused
  int64_t for_ms = 0;       // how long the condition must hold before firing
  std::string webhook_url;  // http://host:port/path POSTed on firing and resolved; "" = none
  int64_t created_ms = 0;
  std::string state;           // ok | pending | firing
  int64_t state_since_ms = 0;  // when `state` was entered (0 = never evaluated)
  double value = 0;            // the value at the last evaluation
  int64_t evaluated_ms = 0;    // time of the last evaluation (0 = never)
};

struct AlertEvent {
  int64_t id = 0;
  int64_t alert_id = 0;
  std::string alert_name;
  std::string group_id;
  std::string topic;
  std::string kind;
  std::string event;  // firing | resolved
  int64_t at_ms = 0;
  double value = 0;
  int64_t threshold = 0;
  std::string message;
};

// ---------------------------------------------------------------------------------------
// Retention and partition lifecycle

struct PartitionLifecycle {
  std::string topic;
  int32_t partition = 0;
  int32_t datanode_id = 0;
  std::string datanode_name;
  std::string state;  // active | read_only | retired
  bool writable = false;
  std::string table_name;
  int64_t start_offset = 0;  // -1 when the datanode could not be read (see error)
  int64_t end_offset = 0;    // retired: the final end offset
  int32_t replaced_by = 0;   // the partition that took over its writes; -1 = none
  int64_t state_changed_ms = 0;
  int64_t drop_after_ms = 0;  // retired: when its table is (or was) dropped; 0 = not yet
  bool table_dropped = false;
  int32_t segments = 0;     // native partitions of its table; 0 = unsegmented table
  std::string error;        // why the offsets are missing, or ""
  int64_t size_bytes = -1;  // its table's data + index bytes (InnoDB statistics, whole
                            // pages, approximate); -1 when not read (error, dropped)
};

struct TopicLifecycle {
  TopicRetention retention;
  std::vector<PartitionLifecycle> partitions;
};

struct MigratePartitionResponse {
  PartitionLifecycle old_partition;  // now read_only, replaced_by = new_partition
  PartitionLifecycle new_partition;  // appended to the topic, writable
};

struct DeleteTopicResponse {
  std::string name;
  std::vector<std::string> tables;  // dropped from their datanodes at drop_after_ms
  int64_t drop_after_ms = 0;
  std::vector<std::string> groups;  // groups whose committed offsets on it were deleted
};

struct DatanodeLifecycle {
  int32_t id = 0;
  std::string name;
  std::string state;  // active | decommissioning | decommissioned
  int32_t active_partitions = 0;
  int32_t read_only_partitions = 0;
  int32_t tables_to_drop = 0;         // retired or deleted partitions whose tables still exist
  std::vector<std::string> migrated;  // "topic/P -> topic/Q" moved off it by this call
};

struct OffsetResetEvent {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string group_id;
  std::string topic;
  int32_t partition = 0;
  int64_t old_offset = 0;  // the committed offset, below the partition's start
  int64_t new_offset = 0;
  std::string policy;  // earliest | latest
  std::string reason;  // retention
};

// ---------------------------------------------------------------------------------------
// Retry and dead-letter topics

struct DeadLetterTopics {
  std::string group_id;
  std::string topic;              // the original topic
  std::string retry_topic;        // failed messages wait here (delayed) for their next attempt
  std::string dead_letter_topic;  // after the last attempt; one partition
  std::string owner_team;         // the group's team when it was created ("" = none)
  int64_t created_ms = 0;
  int32_t retry_partitions = 0;
};

struct DeadLetterSummary {
  DeadLetterTopics topics;
  int64_t messages = 0;       // dead letters stored now (the backlog)
  int64_t dead_lettered = 0;  // ever written to the dead-letter topic
  int64_t retried = 0;        // ever written to the retry topic (retries scheduled)
  int64_t start_offset = 0;   // of the dead-letter topic's partition
  int64_t end_offset = 0;
  std::string error;  // why the counts are missing (datanode down), or ""
};

// A stored message as the admin API shows it (dead letters).
struct StoredMessage {
  int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
  std::map<std::string, std::string> headers;
  int64_t timestamp_ms = 0;
  int64_t append_time_ms = 0;
};

struct DeadLetterPage {
  DeadLetterSummary summary;
  std::vector<StoredMessage> messages;  // in offset order
};

struct ReplayDeadLettersResponse {
  std::string target_topic;
  std::vector<int64_t> offsets;  // the dead letters replayed
};

struct PurgeDeadLettersResponse {
  int64_t purged = 0;        // dead letters removed
  int64_t start_offset = 0;  // the dead-letter partition now starts here
};

// ---------------------------------------------------------------------------------------
// Access control and quotas

struct AccessToken {
  std::string name;
  std::string team;
  std::string description;
  int64_t created_ms = 0;
  std::string created_by;
  int64_t last_used_ms = 0;  // 0 = never; as precise as the brokers' auth-refresh
};

struct CreateTokenResponse {
  AccessToken token;
  std::string secret;  // shown once; send it as RequestHeader.auth_token
};

struct AclEntry {
  std::string resource_type;   // topic | group | cluster
  std::string resource_name;   // exact name, prefix ending in '*', or '*'
  std::string principal_type;  // token | team
  std::string principal_name;
  std::string permission;  // produce | consume | admin (admin implies the others)
  int64_t created_ms = 0;
  std::string created_by;
};

struct QuotaEntry {
  std::string entity_type;            // client | topic
  std::string entity_name;            // a client, a topic, or "*"
  int64_t produce_bytes_per_sec = 0;  // key + value + header bytes appended
  int64_t fetch_bytes_per_sec = 0;    // key + value + header bytes returned by fetch
  int64_t requests_per_sec = 0;       // produce and fetch requests
  int64_t updated_ms = 0;
  std::string updated_by;
};

// ---------------------------------------------------------------------------------------
// Consumer groups (ConsumerGroupAdmin)

struct TopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;
};

struct GroupMemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<TopicPartitions> assignment;
  int64_t last_heartbeat_ms = 0;
  std::vector<std::string> topics;
};

struct CommittedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // -1: nothing committed
  std::string metadata;
  int64_t committed_ms = 0;
  std::optional<int64_t> previous_append_time_ms;  // as committed (OffsetCommitPartition)
};

struct GroupSummary {
  std::string group_id;
  std::string state;
  int32_t generation_id = 0;
  int32_t members = 0;
  std::string protocol_name;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
  int32_t generation_id = 0;
  std::string protocol_name;
  std::string leader_id;
  std::vector<GroupMemberDescription> members;
  std::vector<CommittedOffset> offsets;
};

}  // namespace mq::client
