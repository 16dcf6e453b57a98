// The wire contract of the queue: every type, error code and RPC that a client, a broker
// and the metaserver exchange. Thrift framed binary protocol on every port.
//
// Conventions:
// - Every request starts with a RequestHeader (client id, optional auth token).
// - Whole-request failures (malformed request, auth) are thrown as MqError.
// - Per-partition failures come back inside the per-partition result, so that one datanode
//   being down fails only its partitions.
// - Times are milliseconds since the Unix epoch (UTC); sizes are bytes.

namespace cpp mq.rpc

// One list of error codes shared by server and client. `retriable` in MqError tells a client
// whether trying again (possibly on another broker) can succeed.
enum ErrorCode {
  NONE = 0,
  UNKNOWN = 1,                    // unexpected server error; retriable
  INVALID_REQUEST = 2,            // malformed or out-of-range field; not retriable
  UNKNOWN_TOPIC = 3,
  UNKNOWN_PARTITION = 4,
  MESSAGE_TOO_LARGE = 5,
  BATCH_TOO_LARGE = 6,
  OFFSET_OUT_OF_RANGE = 7,
  PARTITION_READ_ONLY = 8,
  DATANODE_UNAVAILABLE = 9,       // the partition's database is unreachable; retriable
  INVALID_TOPIC_NAME = 10,
  TOPIC_ALREADY_EXISTS = 11,
  NOT_AUTHORIZED = 12,
  TIMEOUT = 13,                   // retriable
  METADATA_UNAVAILABLE = 14,      // metadata database unreachable and nothing cached; retriable
  INVALID_CONFIG = 15,
  DATANODE_ALREADY_EXISTS = 16,
  UNKNOWN_DATANODE = 17,
  SHUTTING_DOWN = 18,             // broker is draining; retriable elsewhere
  // Consumer groups (Kafka classic protocol semantics).
  UNKNOWN_MEMBER_ID = 20,
  ILLEGAL_GENERATION = 21,
  REBALANCE_IN_PROGRESS = 22,
  MEMBER_ID_REQUIRED = 23,
  FENCED_INSTANCE_ID = 24,
  COORDINATOR_NOT_AVAILABLE = 25,
  INCONSISTENT_GROUP_PROTOCOL = 26,
  GROUP_NOT_EMPTY = 27,
  UNKNOWN_GROUP = 28,
  // Idempotent producer.
  OUT_OF_ORDER_SEQUENCE = 30,
  PRODUCER_FENCED = 31,
  UNKNOWN_PRODUCER_ID = 32,
  // Security (docs/security.md).
  AUTHENTICATION_FAILED = 40,     // no token, or an unknown or revoked one; not retriable
  THROTTLED = 41,                 // over a rate quota; retriable after MqError.retry_after_ms
}

exception MqError {
  1: ErrorCode code,
  2: string message,
  3: bool retriable,
  4: optional i32 retry_after_ms,  // THROTTLED: wait at least this long before trying again
}

struct RequestHeader {
  1: string client_id,
  // The secret of an access token (docs/security.md); required when the server runs with
  // `auth = on`. Sent with every request (no per-connection state on the servers).
  2: optional string auth_token,
}

// ---------------------------------------------------------------------------------------
// Data plane (brokers)

struct Message {
  1: optional binary key,
  2: binary value,
  3: map<string, string> headers,
  4: i64 timestamp_ms,            // producer's timestamp; 0 = use the append time
  // Delayed delivery: no consumer sees the message before this time (0 = now). It is held
  // on its partition's datanode and appended (gets its offset) once due.
  5: i64 deliver_at_ms,
}

// Messages for one partition. They are appended atomically: all or none.
struct PartitionBatch {
  1: string topic,
  2: i32 partition,
  3: list<Message> messages,
  // Idempotent producer fields (unset = not idempotent).
  4: optional i64 producer_id,
  5: optional i16 producer_epoch,
  6: optional i32 base_sequence,
}

struct ProduceRequest {
  1: RequestHeader header,
  2: list<PartitionBatch> batches,
}

struct PartitionProduceResult {
  1: string topic,
  2: i32 partition,
  3: ErrorCode error,
  4: string error_message,
  // Offset of the batch's first message; the others follow consecutively. Delayed
  // messages get their offsets when due: they are skipped in this numbering (-1 when the
  // whole batch is delayed, or on error).
  5: i64 base_offset,
  6: i64 append_time_ms,
  7: bool retriable,
}

struct ProduceResponse {
  1: list<PartitionProduceResult> results,
  // Set when the caller (its client or a topic of the request) is over a rate quota
  // (docs/security.md#quotas): the request was served in full, and the broker will not read
  // the next request of this connection before this many milliseconds; clients wait as long
  // before sending to this broker again.
  2: optional i32 throttle_time_ms,
}

struct FetchPartition {
  1: string topic,
  2: i32 partition,
  3: i64 offset,                  // first offset wanted
  4: i32 max_messages,
  5: i32 max_bytes,               // payload+key bytes; at least one message is returned
  // The log-divergence check (docs/operations.md, "Messages a crash took back"): the append
  // time of the message at offset - 1 as this consumer read it. The broker checks that the
  // log still holds that message; if a database crash or failover took it back (it was read
  // before it was durable), the result is OFFSET_OUT_OF_RANGE with diverging_offset set.
  6: optional i64 previous_append_time_ms,
}

struct FetchRequest {
  1: RequestHeader header,
  2: list<FetchPartition> partitions,
  3: i32 max_wait_ms,             // long-poll: return as soon as any partition has data
}

struct StoredMessage {
  1: i64 offset,
  2: optional binary key,
  3: binary value,
  4: map<string, string> headers,
  5: i64 timestamp_ms,
  6: i64 append_time_ms,
}

struct PartitionFetchResult {
  1: string topic,
  2: i32 partition,
  3: ErrorCode error,
  4: string error_message,
  5: list<StoredMessage> messages,
  6: i64 start_offset,            // earliest offset still stored
  7: i64 end_offset,              // next offset to be written (log end)
  8: bool retriable,
  // Set with OFFSET_OUT_OF_RANGE when the log-divergence check failed: the first offset whose
  // message is not the one the consumer read (or the log end). Fetch from here: the messages
  // from it on were written after the crash, and none of them was read yet.
  9: optional i64 diverging_offset,
}

struct FetchResponse {
  1: list<PartitionFetchResult> results,
  2: optional i32 throttle_time_ms,     // as in ProduceResponse
}

enum OffsetSpec {
  EARLIEST = 0,
  LATEST = 1,                     // the next offset to be written
  TIMESTAMP = 2,                  // first offset whose append time >= timestamp_ms
}

struct ListOffsetsPartition {
  1: string topic,
  2: i32 partition,
  3: OffsetSpec spec,
  4: i64 timestamp_ms,
}

struct ListOffsetsRequest {
  1: RequestHeader header,
  2: list<ListOffsetsPartition> partitions,
}

struct PartitionOffsetResult {
  1: string topic,
  2: i32 partition,
  3: ErrorCode error,
  4: string error_message,
  5: i64 offset,
  6: i64 start_offset,
  7: i64 end_offset,
  8: bool retriable,
}

struct ListOffsetsResponse {
  1: list<PartitionOffsetResult> results,
}

// ---------------------------------------------------------------------------------------
// Topology (served by brokers from their cache and by the metaserver)

struct PartitionInfo {
  1: i32 partition,
  2: i32 datanode_id,
  3: bool writable,
  4: string table_name,
}

struct TopicInfo {
  1: string name,
  2: i64 id,
  3: list<PartitionInfo> partitions,
  4: i64 retention_ms,
  5: string owner_team,
  6: string description,
  7: i64 created_ms,
}

struct BrokerInfo {
  1: string id,
  2: string host,
  3: i32 port,
  4: i64 last_heartbeat_ms,
  5: i64 started_ms,
}

// Idempotent producer: an id and epoch, persisted in the metadata database. With a stable
// `producer_name` (e.g. an outbox relay's name) the same id comes back with the epoch
// bumped, which fences every older instance of that producer (PRODUCER_FENCED).
struct InitProducerRequest {
  1: RequestHeader header,
  2: optional string producer_name,
}

struct InitProducerResponse {
  1: i64 producer_id,
  2: i16 producer_epoch,
}

struct MetadataRequest {
  1: RequestHeader header,
  2: list<string> topics,         // empty = all topics
}

struct MetadataResponse {
  1: list<TopicInfo> topics,
  2: list<BrokerInfo> brokers,
}


// ---------------------------------------------------------------------------------------
// Consumer groups (coordinated by any broker; state in the metadata database). Semantics
// follow Kafka's classic protocol: JoinGroup (barrier) -> SyncGroup -> Heartbeat, fenced by
// generation. Expected refusals come back as `error` in the response, not as MqError.

struct TopicPartitions {
  1: string topic,
  2: list<i32> partitions,
}

// What a member tells the group leader when it joins, per assignor it supports.
struct ConsumerSubscription {
  1: list<string> topics,
  2: list<TopicPartitions> owned_partitions,   // for sticky and cooperative assignors
  3: binary user_data,
}

struct GroupProtocol {
  1: string name,                               // assignor: range, roundrobin, sticky, cooperative-sticky
  2: ConsumerSubscription subscription,
}

struct JoinGroupRequest {
  1: RequestHeader header,
  2: string group_id,
  3: string member_id,                          // empty on the first join
  4: optional string group_instance_id,         // static membership
  5: i32 session_timeout_ms,
  6: i32 rebalance_timeout_ms,
  7: list<GroupProtocol> protocols,             // in order of preference
  8: string client_host,
}

struct JoinGroupMember {
  1: string member_id,
  2: optional string group_instance_id,
  3: ConsumerSubscription subscription,
}

struct JoinGroupResponse {
  1: ErrorCode error,
  2: string error_message,
  3: i32 generation_id,
  4: string protocol_name,
  5: string leader_id,
  6: string member_id,
  7: list<JoinGroupMember> members,             // only for the leader
}

struct MemberAssignment {
  1: string member_id,
  2: list<TopicPartitions> partitions,
}

struct SyncGroupRequest {
  1: RequestHeader header,
  2: string group_id,
  3: i32 generation_id,
  4: string member_id,
  5: optional string group_instance_id,
  6: list<MemberAssignment> assignments,        // only from the leader
}

struct SyncGroupResponse {
  1: ErrorCode error,
  2: string error_message,
  3: list<TopicPartitions> assignment,
}

struct HeartbeatRequest {
  1: RequestHeader header,
  2: string group_id,
  3: i32 generation_id,
  4: string member_id,
  5: optional string group_instance_id,
}

struct HeartbeatResponse {
  1: ErrorCode error,
  2: string error_message,
}

struct LeaveGroupRequest {
  1: RequestHeader header,
  2: string group_id,
  3: string member_id,
  4: optional string group_instance_id,
}

struct LeaveGroupResponse {
  1: ErrorCode error,
  2: string error_message,
}

struct OffsetCommitPartition {
  1: string topic,
  2: i32 partition,
  3: i64 offset,                                // the next offset to consume
  4: string metadata,
  // The append time of the message at offset - 1 as the committing consumer read it: whoever
  // resumes from this offset runs the log-divergence check with it (FetchPartition).
  5: optional i64 previous_append_time_ms,
}

struct CommitOffsetsRequest {
  1: RequestHeader header,
  2: string group_id,
  3: i32 generation_id,                         // -1: admin commit, only while the group is Empty
  4: string member_id,
  5: optional string group_instance_id,
  6: list<OffsetCommitPartition> offsets,       // committed atomically: all or none
}

struct CommitOffsetsResponse {
  1: ErrorCode error,
  2: string error_message,
}

struct CommittedOffset {
  1: string topic,
  2: i32 partition,
  3: i64 offset,                                // -1: nothing committed
  4: string metadata,
  5: i64 committed_ms,
  6: optional i64 previous_append_time_ms,     // as committed (OffsetCommitPartition)
}

struct FetchOffsetsRequest {
  1: RequestHeader header,
  2: string group_id,
  3: list<TopicPartitions> partitions,          // empty: every committed offset of the group
}

struct FetchOffsetsResponse {
  1: ErrorCode error,
  2: string error_message,
  3: list<CommittedOffset> offsets,
}

struct GroupMemberDescription {
  1: string member_id,
  2: optional string group_instance_id,
  3: string client_id,
  4: string client_host,
  5: list<TopicPartitions> assignment,
  6: i64 last_heartbeat_ms,
  7: list<string> topics,
}

struct GroupDescription {
  1: string group_id,
  2: string state,                              // Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
  3: i32 generation_id,
  4: string protocol_name,
  5: string leader_id,
  6: list<GroupMemberDescription> members,
  7: list<CommittedOffset> offsets,
}

struct DescribeGroupResponse {
  1: ErrorCode error,
  2: string error_message,
  3: GroupDescription group,
}

// Storage forms of group member columns (Thrift binary in MEDIUMBLOBs); not sent on the wire.
struct StoredProtocols {
  1: list<GroupProtocol> protocols,
}

struct StoredAssignment {
  1: list<TopicPartitions> partitions,
}

struct GroupSummary {
  1: string group_id,
  2: string state,
  3: i32 generation_id,
  4: i32 members,
  5: string protocol_name,
}

service Broker {
  ProduceResponse produce(1: ProduceRequest request) throws (1: MqError error),
  FetchResponse fetch(1: FetchRequest request) throws (1: MqError error),
  ListOffsetsResponse listOffsets(1: ListOffsetsRequest request) throws (1: MqError error),
  MetadataResponse metadata(1: MetadataRequest request) throws (1: MqError error),
  InitProducerResponse initProducer(1: InitProducerRequest request) throws (1: MqError error),

  JoinGroupResponse joinGroup(1: JoinGroupRequest request) throws (1: MqError error),
  SyncGroupResponse syncGroup(1: SyncGroupRequest request) throws (1: MqError error),
  HeartbeatResponse heartbeat(1: HeartbeatRequest request) throws (1: MqError error),
  LeaveGroupResponse leaveGroup(1: LeaveGroupRequest request) throws (1: MqError error),
  CommitOffsetsResponse commitOffsets(1: CommitOffsetsRequest request) throws (1: MqError error),
  FetchOffsetsResponse fetchOffsets(1: FetchOffsetsRequest request) throws (1: MqError error),
  list<GroupSummary> listGroups(1: RequestHeader header) throws (1: MqError error),
  DescribeGroupResponse describeGroup(1: RequestHeader header, 2: string group_id)
      throws (1: MqError error),
  // Deletes an Empty group and its committed offsets (GROUP_NOT_EMPTY otherwise).
  void deleteGroup(1: RequestHeader header, 2: string group_id) throws (1: MqError error),
}

// ---------------------------------------------------------------------------------------
// Control plane (metaserver)

struct CreateTopicRequest {
  1: RequestHeader header,
  2: string name,
  3: i32 partitions,
  4: i64 retention_ms,            // 0 = default (7 days)
  5: string owner_team,
  6: string description,
}

// A MariaDB replica of a datanode's primary (docs/operations.md, "Automatic failover").
struct DatanodeReplica {
  1: string host,
  2: i32 port,
  3: string state,                // replica (may be promoted) or stale (a former primary,
                                  // kept read-only until rebuilt as a replica)
  4: i64 added_ms,
}

struct DatanodeInfo {
  1: i32 id,
  2: string name,
  3: string host,
  4: i32 port,
  5: string database_name,
  6: string user,
  7: i32 partition_count,
  8: bool healthy,
  9: string status_message,
  10: i64 epoch,                  // bumped by every failover's fence
  11: list<DatanodeReplica> replicas,
  12: string replication,         // the primary's: "semi-sync, N replicas", "asynchronous
                                  // (semi-sync off)" (a failover may lose acknowledged
                                  // writes), "no binary log", or "" when it did not answer
}

// Datanode failover to a MariaDB replica (docs/operations.md). The metaserver fences the
// datanode (brokers stop using it and confirm), fences the old primary when it still answers
// (read_only, its sessions of the datanode user ended), waits until the replica applied
// every transaction it received (or the old primary's last one), promotes it (replication
// stopped and reset, read_only off) and points the datanode at it.
struct FailoverDatanodeRequest {
  1: RequestHeader header,
  2: string name,                 // the datanode
  3: string host,                 // its replica: the new primary
  4: i32 port,
  5: i64 timeout_ms,              // for the brokers' confirmation and the catch-up; 0 = 60 s
}

struct FailoverDatanodeResponse {
  1: DatanodeInfo datanode,       // as recorded now (the new address)
  2: string old_address,          // host:port of the old primary
  3: bool old_primary_fenced,     // false: it did not answer (it is down)
  4: string applied_gtid,         // the replica's GTID position when it was promoted
  5: list<string> brokers,        // the brokers that confirmed the fence
  6: i64 fence_ms,                // fencing took (brokers confirmed)
  7: i64 catch_up_ms,             // waiting for the replica to apply what it received
  8: i64 total_ms,
}

struct AddDatanodeRequest {
  1: RequestHeader header,
  2: string name,
  3: string host,
  4: i32 port,
  5: string database_name,
  6: string user,
  7: string password,             // stored for brokers; never returned, printed or logged
}

// ---------------------------------------------------------------------------------------
// Consumer lag alerts (metaserver). A rule watches one consumer group (optionally one
// topic of it); the metaserver's lag collector evaluates every rule each cycle and records
// a `firing` event when the condition has held for `for_ms`, and a `resolved` event when it
// stops holding. See docs/lag-and-alerts.md.

struct AlertRule {
  1: i64 id,
  2: string name,                 // unique; 1-128 characters from [A-Za-z0-9._-]
  3: string group_id,
  4: string topic,                // "" = every topic of the group
  5: string kind,                 // lag_messages | lag_seconds | status
  6: i64 threshold,               // lag_messages: messages; lag_seconds: seconds; status: unused
  7: i64 for_ms,                  // how long the condition must hold before firing
  8: string webhook_url,          // http://host:port/path POSTed on firing and resolved; "" = none
  9: i64 created_ms,
  10: string state,               // ok | pending | firing
  11: i64 state_since_ms,         // when `state` was entered (0 = never evaluated)
  12: double value,               // the value at the last evaluation
  13: i64 evaluated_ms,           // time of the last evaluation (0 = never)
}

struct CreateAlertRequest {
  1: RequestHeader header,
  2: string name,
  3: string group_id,
  4: string topic,
  5: string kind,
  6: i64 threshold,
  7: i64 for_ms,
  8: string webhook_url,
}

struct AlertEvent {
  1: i64 id,
  2: i64 alert_id,
  3: string alert_name,
  4: string group_id,
  5: string topic,
  6: string kind,
  7: string event,                // firing | resolved
  8: i64 at_ms,
  9: double value,
  10: i64 threshold,
  11: string message,
}

struct ListAlertEventsRequest {
  1: RequestHeader header,
  2: string alert_name,           // "" = every alert
  3: i32 limit,                   // newest first; 0 = 100; at most 1000
}

// ---------------------------------------------------------------------------------------
// Retention and partition lifecycle (metaserver; see docs/retention-and-lifecycle.md).
// Partition states: active (writable) -> read_only (producers skip it; sealed on its
// datanode so nothing more is appended) -> retired (every group consumed it to its end;
// its table is dropped after the grace period). A retired partition keeps its number: it
// answers fetches as an empty partition ending at final_offset.

struct TopicRetention {
  1: string topic,
  2: i64 retention_ms,            // messages older than this are removed
  3: i64 retention_bytes,         // per partition; 0 = no size limit
  4: i64 retention_messages,      // per partition; 0 = no count limit
}

// Unset fields stay as they are.
struct SetRetentionRequest {
  1: RequestHeader header,
  2: string topic,
  3: optional i64 retention_ms,        // > 0
  4: optional i64 retention_bytes,     // >= 0; 0 = no size limit
  5: optional i64 retention_messages,  // >= 0; 0 = no count limit
}

struct PartitionLifecycle {
  1: string topic,
  2: i32 partition,
  3: i32 datanode_id,
  4: string datanode_name,
  5: string state,                // active | read_only | retired
  6: bool writable,
  7: string table_name,
  8: i64 start_offset,            // -1 when the datanode could not be read (see error)
  9: i64 end_offset,              // retired: the final end offset
  10: i32 replaced_by,            // the partition that took over its writes; -1 = none
  11: i64 state_changed_ms,
  12: i64 drop_after_ms,          // retired: when its table is (or was) dropped; 0 = not yet
  13: bool table_dropped,
  14: i32 segments,               // native partitions of its table; 0 = unsegmented table
  15: string error,               // why the offsets are missing, or ""
  16: i64 size_bytes = -1,        // its table's data + index bytes (InnoDB statistics, whole
                                  // pages, approximate); -1 when not read (error, dropped)
}

struct TopicLifecycle {
  1: TopicRetention retention,
  2: list<PartitionLifecycle> partitions,
}

struct MigratePartitionRequest {
  1: RequestHeader header,
  2: string topic,
  3: i32 partition,
  4: string target_datanode,      // datanode name; "" = placement picks an active one
}

struct MigratePartitionResponse {
  1: PartitionLifecycle old_partition,  // now read_only, replaced_by = new_partition
  2: PartitionLifecycle new_partition,  // appended to the topic, writable
}

struct DeleteTopicRequest {
  1: RequestHeader header,
  2: string name,
  3: bool force,                  // delete even while groups consume it
}

struct DeleteTopicResponse {
  1: string name,
  2: list<string> tables,         // dropped from their datanodes at drop_after_ms
  3: i64 drop_after_ms,
  4: list<string> groups,         // groups whose committed offsets on it were deleted
}

struct DatanodeLifecycle {
  1: i32 id,
  2: string name,
  3: string state,                // active | decommissioning | decommissioned
  4: i32 active_partitions,
  5: i32 read_only_partitions,
  6: i32 tables_to_drop,          // retired or deleted partitions whose tables still exist
  7: list<string> migrated,       // "topic/P -> topic/Q" moved off it by this call
}

struct OffsetResetEvent {
  1: i64 id,
  2: i64 at_ms,
  3: string group_id,
  4: string topic,
  5: i32 partition,
  6: i64 old_offset,              // the committed offset, below the partition's start
  7: i64 new_offset,
  8: string policy,               // earliest | latest
  9: string reason,               // retention
}

struct ListOffsetResetEventsRequest {
  1: RequestHeader header,
  2: string group_id,             // "" = every group
  3: string topic,                // "" = every topic
  4: i32 limit,                   // newest first; 0 = 100; at most 1000
}

// ---------------------------------------------------------------------------------------
// Failed messages: retry and dead-letter topics per consumer group and topic (metaserver;
// see docs/dead-letters.md). Both are ordinary topics, created on demand by
// ensureDeadLetterTopics and recorded in the metadata database, so that every consumer of
// the group finds the same ones.

struct DeadLetterTopics {
  1: string group_id,
  2: string topic,                // the original topic
  3: string retry_topic,          // failed messages wait here (delayed) for their next attempt
  4: string dead_letter_topic,    // after the last attempt; one partition
  5: string owner_team,           // the group's team when it was created ("" = none)
  6: i64 created_ms,
  7: i32 retry_partitions,
}

struct DeadLetterSummary {
  1: DeadLetterTopics topics,
  2: i64 messages,                // dead letters stored now (the backlog)
  3: i64 dead_lettered,           // ever written to the dead-letter topic
  4: i64 retried,                 // ever written to the retry topic (retries scheduled)
  5: i64 start_offset,            // of the dead-letter topic's partition
  6: i64 end_offset,
  7: string error,                // why the counts are missing (datanode down), or ""
}

struct ShowDeadLettersRequest {
  1: RequestHeader header,
  2: string group_id,
  3: string topic,
  4: i64 from_offset,             // -1 = the earliest stored
  5: i32 max_messages,            // 0 = 20; at most 1000
}

struct DeadLetterPage {
  1: DeadLetterSummary summary,
  2: list<StoredMessage> messages,  // in offset order
}

struct ReplayDeadLettersRequest {
  1: RequestHeader header,
  2: string group_id,
  3: string topic,
  4: optional i64 offset,         // one dead letter; unset = every stored one
  5: string target,               // "original" (the original topic: every group sees it
                                  // again) or "retry" (the group's retry topic: only this
                                  // group, attempts counted afresh)
}

struct ReplayDeadLettersResponse {
  1: string target_topic,
  2: list<i64> offsets,           // the dead letters replayed
}

struct PurgeDeadLettersResponse {
  1: i64 purged,                  // dead letters removed
  2: i64 start_offset,            // the dead-letter partition now starts here
}

// ---------------------------------------------------------------------------------------
// Access control (metaserver; see docs/security.md). A token is issued to a team or an
// application; its secret is returned once by createToken and only its SHA-256 is stored.
// Grants give produce, consume or admin on a topic, a group or the cluster to one token or
// to every token of a team.

struct AccessToken {
  1: string name,
  2: string team,
  3: string description,
  4: i64 created_ms,
  5: string created_by,
  6: i64 last_used_ms,            // 0 = never; as precise as the brokers' auth-refresh
}

struct CreateTokenRequest {
  1: RequestHeader header,
  2: string name,                 // unique; 1-64 characters from [A-Za-z0-9._-]
  3: string team,
  4: string description,
}

struct CreateTokenResponse {
  1: AccessToken token,
  2: string secret,               // shown once; send it as RequestHeader.auth_token
}

struct AclEntry {
  1: string resource_type,        // topic | group | cluster
  2: string resource_name,        // exact name, prefix ending in '*', or '*'
  3: string principal_type,       // token | team
  4: string principal_name,
  5: string permission,           // produce | consume | admin (admin implies the others)
  6: i64 created_ms,
  7: string created_by,
}

// Rate quotas (docs/security.md#quotas), enforced by every broker with token buckets. A
// client is a token's name when brokers run with `auth = on`, else the request header's
// client_id. entity_name "*" is the default for every client (or topic) without its own
// entry; each one gets its own bucket at that rate. A limit of 0 is no limit.
struct QuotaEntry {
  1: string entity_type,          // client | topic
  2: string entity_name,          // a client, a topic, or "*"
  3: i64 produce_bytes_per_sec,   // key + value + header bytes appended
  4: i64 fetch_bytes_per_sec,     // key + value + header bytes returned by fetch
  5: i64 requests_per_sec,        // produce and fetch requests
  6: i64 updated_ms,
  7: string updated_by,
}

// Makes a server restored from a backup of a datanode's primary (mariadb-backup) a replica of
// that primary again (mqctl datanode rebuild-replica; docs/operations.md, "Rebuilding the
// replica").
struct RebuildReplicaRequest {
  1: RequestHeader header,
  2: string datanode,
  3: string host,                   // the restored server
  4: i32 port,
  5: string gtid_position,          // where the backup ends (xtrabackup_binlog_info)
  6: string replication_user,       // "" = the datanode's own user
  7: string replication_password,   // with replication_user
  8: i32 timeout_ms = 30000,        // how long to wait for the replica to connect
}

// A peer cluster the metaserver knows (its peer-cluster option, docs/multi-cluster.md) and
// what the metaserver's last check of it saw. Never carries the token.
struct PeerClusterInfo {
  1: string name,
  2: string metaserver,     // host:port of its metaserver
  3: bool tls,              // reached with TLS
  4: bool token,            // a token file is configured for it
  5: bool reachable,        // the last check reached it and it answered with this name
  6: string problem,        // why not ("" when reachable, or not checked yet)
  7: i64 checked_at_ms,     // when the last check ended; 0 = not checked yet
}

service MetaService {
  TopicInfo createTopic(1: CreateTopicRequest request) throws (1: MqError error),
  list<TopicInfo> listTopics(1: RequestHeader header) throws (1: MqError error),
  TopicInfo describeTopic(1: RequestHeader header, 2: string name) throws (1: MqError error),
  void deleteTopic(1: RequestHeader header, 2: string name) throws (1: MqError error),
  TopicInfo addPartitions(1: RequestHeader header, 2: string name, 3: i32 count)
      throws (1: MqError error),
  DatanodeInfo addDatanode(1: AddDatanodeRequest request) throws (1: MqError error),
  list<DatanodeInfo> listDatanodes(1: RequestHeader header) throws (1: MqError error),
  list<BrokerInfo> listBrokers(1: RequestHeader header) throws (1: MqError error),
  // Consumer lag alerts. createAlert refuses a taken name (INVALID_REQUEST); deleteAlert
  // refuses an unknown name (INVALID_REQUEST). Events come newest first.
  AlertRule createAlert(1: CreateAlertRequest request) throws (1: MqError error),
  list<AlertRule> listAlerts(1: RequestHeader header) throws (1: MqError error),
  void deleteAlert(1: RequestHeader header, 2: string name) throws (1: MqError error),
  list<AlertEvent> listAlertEvents(1: ListAlertEventsRequest request) throws (1: MqError error),
  // Retention and partition lifecycle (docs/retention-and-lifecycle.md).
  TopicRetention setRetention(1: SetRetentionRequest request) throws (1: MqError error),
  TopicLifecycle describeTopicLifecycle(1: RequestHeader header, 2: string topic)
      throws (1: MqError error),
  // read_only = true: active -> read_only (producers skip it); false: back to active.
  PartitionLifecycle setPartitionReadOnly(1: RequestHeader header, 2: string topic,
                                          3: i32 partition, 4: bool read_only)
      throws (1: MqError error),
  MigratePartitionResponse migratePartition(1: MigratePartitionRequest request)
      throws (1: MqError error),
  // deleteTopic is this with force = false. Refuses (GROUP_NOT_EMPTY) while a group with
  // members subscribes to the topic or a group committed on it recently, unless force.
  DeleteTopicResponse deleteTopicWithOptions(1: DeleteTopicRequest request)
      throws (1: MqError error),
  // Stops placement on the datanode and migrates every active partition off it; it becomes
  // decommissioned once the old partitions are retired and their tables dropped.
  DatanodeLifecycle decommissionDatanode(1: RequestHeader header, 2: string name)
      throws (1: MqError error),
  list<DatanodeLifecycle> listDatanodeLifecycle(1: RequestHeader header)
      throws (1: MqError error),
  list<OffsetResetEvent> listOffsetResetEvents(1: ListOffsetResetEventsRequest request)
      throws (1: MqError error),
  // Failed messages (docs/dead-letters.md). ensureDeadLetterTopics creates the group's
  // retry and dead-letter topics for `topic` when missing (idempotent); the others refuse an
  // unknown pair with UNKNOWN_TOPIC and bad arguments with INVALID_REQUEST.
  DeadLetterTopics ensureDeadLetterTopics(1: RequestHeader header, 2: string group_id,
                                          3: string topic) throws (1: MqError error),
  // Every (group, topic) pair with dead-letter topics; group_id "" = every group.
  list<DeadLetterSummary> listDeadLetters(1: RequestHeader header, 2: string group_id)
      throws (1: MqError error),
  DeadLetterPage showDeadLetters(1: ShowDeadLettersRequest request) throws (1: MqError error),
  ReplayDeadLettersResponse replayDeadLetters(1: ReplayDeadLettersRequest request)
      throws (1: MqError error),
  // Removes every stored dead letter of the pair (its start offset moves to its end).
  PurgeDeadLettersResponse purgeDeadLetters(1: RequestHeader header, 2: string group_id,
                                            3: string topic) throws (1: MqError error),
  // Fails a datanode over to its replica (see FailoverDatanodeRequest). Refuses, changing
  // nothing, an unknown datanode (UNKNOWN_DATANODE) and a target that is not a replica or
  // lacks the datanode's database (INVALID_REQUEST). TIMEOUT when brokers did not confirm
  // the fence or the replica did not catch up: the datanode stays fenced; call again.
  FailoverDatanodeResponse failoverDatanode(1: FailoverDatanodeRequest request)
      throws (1: MqError error),
  // Registers host:port as a replica of the datanode's primary: the active metaserver may
  // then fail the datanode over to it by itself. Checks that it answers and replicates
  // (INVALID_REQUEST otherwise, nothing recorded). A stale former primary becomes a replica
  // again this way once it replicates the new primary.
  DatanodeInfo addDatanodeReplica(1: RequestHeader header, 2: string name, 3: string host,
                                  4: i32 port) throws (1: MqError error),
  // Forgets a replica (or stale former primary) of the datanode; INVALID_REQUEST if unknown.
  DatanodeInfo removeDatanodeReplica(1: RequestHeader header, 2: string name, 3: string host,
                                     4: i32 port) throws (1: MqError error),
  // Points a server restored from a backup of the datanode's primary at that primary: makes
  // it read-only, replicating from the backup's GTID position with semi-sync, waits until
  // its replication threads run, and registers it as a replica (as addDatanodeReplica).
  // Refuses, changing nothing, a server that is some datanode's primary and a malformed
  // position (INVALID_REQUEST); a replica that cannot follow (say, the position is not in the
  // primary's binary log) is stopped again and the replication error named.
  DatanodeInfo rebuildDatanodeReplica(1: RebuildReplicaRequest request)
      throws (1: MqError error),

  // Access control (docs/security.md). With `auth = on` these need `admin` on the
  // cluster. revokeToken and revokeAcl refuse unknown ones with INVALID_REQUEST.
  CreateTokenResponse createToken(1: CreateTokenRequest request) throws (1: MqError error),
  list<AccessToken> listTokens(1: RequestHeader header, 2: string team)
      throws (1: MqError error),
  void revokeToken(1: RequestHeader header, 2: string name) throws (1: MqError error),
  AclEntry grantAcl(1: RequestHeader header, 2: AclEntry entry) throws (1: MqError error),
  void revokeAcl(1: RequestHeader header, 2: AclEntry entry) throws (1: MqError error),
  list<AclEntry> listAcls(1: RequestHeader header) throws (1: MqError error),

  // Rate quotas (docs/security.md#quotas). With `auth = on` these need `admin` on the
  // cluster. setQuota creates or replaces the entry of (entity_type, entity_name);
  // removeQuota refuses an unknown one with INVALID_REQUEST.
  QuotaEntry setQuota(1: RequestHeader header, 2: QuotaEntry entry) throws (1: MqError error),
  list<QuotaEntry> listQuotas(1: RequestHeader header) throws (1: MqError error),
  void removeQuota(1: RequestHeader header, 2: string entity_type, 3: string entity_name)
      throws (1: MqError error),

  // The cluster's name, the metaserver's cluster-name ("local" unless configured): what
  // mirrors, provenance headers and checkpoints call this cluster (docs/multi-cluster.md).
  // Any valid token with `auth = on`. (A plain string, not a new struct, so that
  // mq_types.h, which every component includes, does not change.)
  string clusterName(1: RequestHeader header) throws (1: MqError error),
  // The peer clusters this metaserver is configured with, and whether each answered its
  // last check (every peer-check-interval). Any valid token with `auth = on`.
  list<PeerClusterInfo> listPeerClusters(1: RequestHeader header) throws (1: MqError error),
}
