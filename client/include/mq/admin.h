// The mq client library's AdminClient: topics, datanodes, alerts, offsets, access and the
// cluster (part of mq/client.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mq/admin_records.h"
#include "mq/config.h"
#include "mq/records.h"

namespace mq::client {

// ---------------------------------------------------------------------------------------
// AdminClient

struct NewTopic {
  std::string name;
  int partitions = 1;
  int64_t retention_ms = 0;  // 0 = the server's default (7 days)
  std::string owner_team;
  std::string description;
};

struct NewDatanode {
  std::string name;
  std::string host;
  int port = 3306;
  std::string database_name;
  std::string user;
  std::string password;  // sent to the metaserver only; never logged or returned
};

// A lag alert rule (see docs/lag-and-alerts.md).
struct NewAlert {
  std::string name;  // unique; 1-128 characters from [A-Za-z0-9._-]
  std::string group_id;
  std::string topic;        // empty: every topic of the group
  std::string kind;         // lag_messages, lag_seconds or status
  int64_t threshold = 0;    // messages (lag_messages) or seconds (lag_seconds)
  int64_t for_ms = 0;       // how long the condition must hold before the alert fires
  std::string webhook_url;  // http://... to POST firing and resolved events to; may be empty
};

enum class OffsetSpec {
  kEarliest,   // earliest stored offset
  kLatest,     // the log end: the next offset to be written
  kTimestamp,  // first offset whose append time >= timestamp_ms
};

struct OffsetQuery {
  TopicPartition partition;
  OffsetSpec spec = OffsetSpec::kLatest;
  int64_t timestamp_ms = 0;  // for kTimestamp
};

struct PartitionOffsets {
  TopicPartition partition;
  int64_t offset = 0;        // the answer to the query's spec
  int64_t start_offset = 0;  // earliest stored offset
  int64_t end_offset = 0;    // next offset to be written
};

// Topic, datanode and broker administration through the metaserver (MetaService), and
// offsets/metadata through a broker. Thread-safe (calls are serialized).
//
// Every call throws Error: the server's refusal (e.g. TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC,
// INVALID_CONFIG) or, after `retries` attempts, a retriable transport error. Reads are
// retried; changes are retried only when the request surely did not reach the server
// (connection refused), so a change is never applied twice by the client.
class AdminClient {
 public:
  // Throws Error(INVALID_CONFIG). Metaserver calls throw Error(INVALID_CONFIG) when
  // config.metaserver is empty.
  explicit AdminClient(ClientConfig config);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // --- MetaService ---
  TopicInfo createTopic(const NewTopic& topic);
  std::vector<TopicInfo> listTopics();
  // Throws Error(UNKNOWN_TOPIC).
  TopicInfo describeTopic(const std::string& name);
  void deleteTopic(const std::string& name);
  // Adds `count` partitions to the topic; returns the topic afterwards.
  TopicInfo addPartitions(const std::string& name, int count);
  DatanodeInfo addDatanode(const NewDatanode& datanode);
  std::vector<DatanodeInfo> listDatanodes();
  // Fails datanode `name` over to its replica at host:port (docs/operations.md): fences it,
  // waits for the replica to catch up, promotes it and repoints the datanode. timeout_ms
  // (0 = 60 s) bounds the wait: give this client a request_timeout_ms above it. Not retried
  // by the client (call it again after a TIMEOUT: it resumes).
  FailoverDatanodeResponse failoverDatanode(const std::string& name, const std::string& host,
                                            int port, int64_t timeout_ms = 0);
  // Registers host:port as a replica of the datanode's primary (automatic failover may
  // promote it), or forgets one. Throws MqError (INVALID_REQUEST naming the problem).
  DatanodeInfo addDatanodeReplica(const std::string& name, const std::string& host, int port);
  DatanodeInfo removeDatanodeReplica(const std::string& name, const std::string& host, int port);
  // Makes a server restored from a mariadb-backup of the datanode's primary replicate it
  // from the backup's GTID position and registers it (MetaService rebuildDatanodeReplica).
  // Waits up to request.timeout_ms: give this client a request_timeout_ms above it. Not
  // retried.
  DatanodeInfo rebuildDatanodeReplica(const RebuildReplicaRequest& request);
  std::vector<BrokerInfo> listBrokers();
  // The cluster's name (the metaserver's cluster-name; docs/multi-cluster.md). A metaserver
  // older than the call fails it with an Error.
  std::string clusterName();
  // The peer clusters the metaserver is configured with and whether each answered its last
  // check (docs/multi-cluster.md, "Peer clusters").
  std::vector<PeerClusterInfo> listPeerClusters();

  // --- Broker ---
  // One answer per query, in query order. Throws the first partition's error (e.g.
  // UNKNOWN_TOPIC) after retrying retriable ones.
  std::vector<PartitionOffsets> listOffsets(const std::vector<OffsetQuery>& queries);
  // Earliest and end offsets of every partition of `topic`, by partition. Throws
  // Error(UNKNOWN_TOPIC) "unknown topic `x`".
  std::vector<PartitionOffsets> topicOffsets(const std::string& topic);
  // Topology as a broker caches it (empty `topics` = all topics) and the live brokers.
  MetadataResponse metadata(const std::vector<std::string>& topics = {});

  // --- Consumer lag alerts (MetaService; docs/lag-and-alerts.md; admin_alerts.cc) ---
  // Throws Error(INVALID_REQUEST) naming what is wrong (also a name that is taken).
  AlertRule createAlert(const NewAlert& alert);
  std::vector<AlertRule> listAlerts();
  // Throws Error(INVALID_REQUEST) when there is no such alert.
  void deleteAlert(const std::string& name);
  // Newest first; every alert's when `alert_name` is empty; limit 0 = 100 (at most 1000).
  std::vector<AlertEvent> listAlertEvents(const std::string& alert_name = "", int limit = 0);

  // --- Retention and partition lifecycle (MetaService; docs/retention-and-lifecycle.md;
  //     admin_lifecycle.cc) ---
  // Sets the limits that are given (nullopt: unchanged). retention_ms > 0; bytes and
  // messages are per partition, 0 = no limit.
  TopicRetention setRetention(const std::string& topic, std::optional<int64_t> retention_ms,
                              std::optional<int64_t> retention_bytes = std::nullopt,
                              std::optional<int64_t> retention_messages = std::nullopt);
  // Retention and every partition's state and offsets.
  TopicLifecycle describeTopicLifecycle(const std::string& topic);
  // read_only: producers skip the partition (keyed messages for it fail with
  // PARTITION_READ_ONLY); false makes it writable again. Throws for a retired partition.
  PartitionLifecycle setPartitionReadOnly(const std::string& topic, int partition, bool read_only);
  // Appends a replacement partition on `target_datanode` ("" = placement chooses) and makes
  // `partition` read-only; it is retired once every group consumed it.
  MigratePartitionResponse migratePartition(const std::string& topic, int partition,
                                            const std::string& target_datanode = "");
  // Without force, refused (GROUP_NOT_EMPTY) while groups consume the topic. Its tables are
  // dropped after the metaserver's grace period.
  DeleteTopicResponse deleteTopic(const std::string& name, bool force);
  // Migrates every partition off the datanode; it is decommissioned once they are retired.
  DatanodeLifecycle decommissionDatanode(const std::string& name);
  std::vector<DatanodeLifecycle> listDatanodeLifecycle();
  // Committed offsets moved by retention, newest first; "" = any group / topic; limit 0 = 100.
  std::vector<OffsetResetEvent> listOffsetResetEvents(const std::string& group_id = "",
                                                      const std::string& topic = "", int limit = 0);

  // --- Failed messages: retry and dead-letter topics (MetaService; docs/dead-letters.md;
  //     admin_dead_letters.cc) ---
  // The group's retry and dead-letter topics for `topic`, created when missing.
  DeadLetterTopics ensureDeadLetterTopics(const std::string& group_id, const std::string& topic);
  // Every (group, topic) pair with its counts; "" = every group.
  std::vector<DeadLetterSummary> listDeadLetters(const std::string& group_id = "");
  // Up to max_messages (0 = 20, at most 1000) dead letters from from_offset (-1 = earliest).
  // Throws Error(UNKNOWN_TOPIC) when the pair has no dead-letter topic.
  DeadLetterPage showDeadLetters(const std::string& group_id, const std::string& topic,
                                 int64_t from_offset = -1, int max_messages = 0);
  // Produces the dead letter at `offset` (nullopt: every stored one) again, to the original
  // topic (target "original") or the group's retry topic ("retry"). Not retried by the
  // client (a replay is not idempotent).
  ReplayDeadLettersResponse replayDeadLetters(const std::string& group_id, const std::string& topic,
                                              std::optional<int64_t> offset,
                                              const std::string& target = "original");
  // Removes every stored dead letter of the pair.
  PurgeDeadLettersResponse purgeDeadLetters(const std::string& group_id, const std::string& topic);

  // --- Access control (MetaService; docs/security.md; admin_access.cc) ---
  // Issues a token; the response's secret is shown once and never again. Throws
  // Error(INVALID_REQUEST) for a bad or taken name.
  CreateTokenResponse createToken(const std::string& name, const std::string& team,
                                  const std::string& description = "");
  // Tokens (never their secrets), by name; team "" = every team.
  std::vector<AccessToken> listTokens(const std::string& team = "");
  // Brokers refuse the token within their auth-refresh. Error(INVALID_REQUEST) if unknown.
  void revokeToken(const std::string& name);
  AclEntry grantAcl(const AclEntry& entry);
  // Error(INVALID_REQUEST) when there is no such grant.
  void revokeAcl(const AclEntry& entry);
  std::vector<AclEntry> listAcls();

  // --- Rate quotas (MetaService; docs/security.md#quotas; admin_quotas.cc) ---
  // Creates or replaces the quota of entry's (entity_type, entity_name); brokers apply it
  // within their auth-refresh. Error(INVALID_REQUEST) naming a bad field.
  QuotaEntry setQuota(const QuotaEntry& entry);
  std::vector<QuotaEntry> listQuotas();
  // Error(INVALID_REQUEST) when there is no such quota.
  void removeQuota(const std::string& entity_type, const std::string& entity_name);

 private:
  class Impl;  // admin_client_impl.h
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq::client
