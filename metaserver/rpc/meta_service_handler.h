// MetaService (idl/mq.thrift): the control plane's RPCs. Each method delegates to
// TopicService, DatanodeRegistry, AlertService or MetaStore, converts records to the wire
// types, and turns every failure into an MqError:
//   - refusals keep their own code (INVALID_REQUEST, UNKNOWN_TOPIC, ...) and change nothing;
//   - metadata database errors become METADATA_UNAVAILABLE, datanode errors
//     DATANODE_UNAVAILABLE, retriable when trying again can help;
//   - anything unexpected becomes UNKNOWN.
// Every call is counted and timed in MetaMetrics. Passwords are never returned or logged.
// With access control on (`auth = on`), a call that came over the Thrift port needs a token:
// reads any valid one, changes `admin` on the cluster, a few named ones a narrower grant
// (meta_service_access.cc has the table); in-process calls (the portal, which checks its
// signed-in users itself) are not checked.
// Thread-safe (one instance serves every connection).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "MetaService.h"
#include "metaserver/access/access_admin.h"
#include "metaserver/access/quota_admin.h"
#include "metaserver/cluster/known_brokers.h"
#include "metaserver/cluster/peer_clusters.h"
#include "metaserver/cluster/topic_service.h"
#include "metaserver/datanodes/datanode_failover.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/datanodes/datanode_replicas.h"
#include "metaserver/dead_letters/dead_letter_service.h"
#include "metaserver/lag/alert_service.h"
#include "metaserver/lifecycle/partition_lifecycle.h"
#include "metaserver/meta_metrics.h"
#include "server/access_control.h"
#include "storage/meta_store.h"

namespace mq {

// The wings the handler adapts. The handler is complete when constructed: every RPC has its
// service, and each of them outlives the handler.
struct MetaServiceWings {
  MetaStore& meta;
  TopicService& topics;
  DatanodeRegistry& datanodes;
  KnownBrokers& brokers;
  AlertService& alerts;
  PartitionLifecycle& lifecycle;
  DeadLetterService& dead_letters;
  DatanodeFailover& failover;
  DatanodeReplicas& replicas;
  AccessControl& access;  // checks nothing while `auth` is off
  AccessAdmin& access_admin;
  QuotaAdmin& quotas;
  const PeerClusters& peers;
  std::string cluster_name;
  MetaMetrics* metrics = nullptr;  // null: not counted (tests)
};

class MetaServiceHandler : public rpc::MetaServiceIf {
 public:
  explicit MetaServiceHandler(MetaServiceWings wings);

  void createTopic(rpc::TopicInfo& result, const rpc::CreateTopicRequest& request) override;
  void listTopics(std::vector<rpc::TopicInfo>& result, const rpc::RequestHeader& header) override;
  void describeTopic(rpc::TopicInfo& result, const rpc::RequestHeader& header,
                     const std::string& name) override;
  void deleteTopic(const rpc::RequestHeader& header, const std::string& name) override;
  void addPartitions(rpc::TopicInfo& result, const rpc::RequestHeader& header,
                     const std::string& name, int32_t count) override;
  void addDatanode(rpc::DatanodeInfo& result, const rpc::AddDatanodeRequest& request) override;
  void listDatanodes(std::vector<rpc::DatanodeInfo>& result,
                     const rpc::RequestHeader& header) override;
  void listBrokers(std::vector<rpc::BrokerInfo>& result, const rpc::RequestHeader& header) override;
  void createAlert(rpc::AlertRule& result, const rpc::CreateAlertRequest& request) override;
  void listAlerts(std::vector<rpc::AlertRule>& result, const rpc::RequestHeader& header) override;
  void deleteAlert(const rpc::RequestHeader& header, const std::string& name) override;
  void listAlertEvents(std::vector<rpc::AlertEvent>& result,
                       const rpc::ListAlertEventsRequest& request) override;

  // --- Retention and partition lifecycle (meta_service_lifecycle.cc) ---
  void setRetention(rpc::TopicRetention& result, const rpc::SetRetentionRequest& request) override;
  void describeTopicLifecycle(rpc::TopicLifecycle& result, const rpc::RequestHeader& header,
                              const std::string& topic) override;
  void setPartitionReadOnly(rpc::PartitionLifecycle& result, const rpc::RequestHeader& header,
                            const std::string& topic, int32_t partition, bool read_only) override;
  void migratePartition(rpc::MigratePartitionResponse& result,
                        const rpc::MigratePartitionRequest& request) override;
  void deleteTopicWithOptions(rpc::DeleteTopicResponse& result,
                              const rpc::DeleteTopicRequest& request) override;
  void decommissionDatanode(rpc::DatanodeLifecycle& result, const rpc::RequestHeader& header,
                            const std::string& name) override;
  void listDatanodeLifecycle(std::vector<rpc::DatanodeLifecycle>& result,
                             const rpc::RequestHeader& header) override;
  void listOffsetResetEvents(std::vector<rpc::OffsetResetEvent>& result,
                             const rpc::ListOffsetResetEventsRequest& request) override;

  // --- Failed messages (meta_service_dead_letters.cc) ---

  // Datanode failover (datanode_failover.h). Without setFailover() it fails with UNKNOWN.
  void failoverDatanode(rpc::FailoverDatanodeResponse& result,
                        const rpc::FailoverDatanodeRequest& request) override;
  // Replicas of datanode primaries (datanode_replicas.h). Without setReplicas() these fail
  // with UNKNOWN and datanodes are listed without replicas.
  void addDatanodeReplica(rpc::DatanodeInfo& result, const rpc::RequestHeader& header,
                          const std::string& name, const std::string& host, int32_t port) override;
  void rebuildDatanodeReplica(rpc::DatanodeInfo& result,
                              const rpc::RebuildReplicaRequest& request) override;
  void removeDatanodeReplica(rpc::DatanodeInfo& result, const rpc::RequestHeader& header,
                             const std::string& name, const std::string& host,
                             int32_t port) override;
  void ensureDeadLetterTopics(rpc::DeadLetterTopics& result, const rpc::RequestHeader& header,
                              const std::string& group_id, const std::string& topic) override;
  void listDeadLetters(std::vector<rpc::DeadLetterSummary>& result,
                       const rpc::RequestHeader& header, const std::string& group_id) override;
  void showDeadLetters(rpc::DeadLetterPage& result,
                       const rpc::ShowDeadLettersRequest& request) override;
  void replayDeadLetters(rpc::ReplayDeadLettersResponse& result,
                         const rpc::ReplayDeadLettersRequest& request) override;
  void purgeDeadLetters(rpc::PurgeDeadLettersResponse& result, const rpc::RequestHeader& header,
                        const std::string& group_id, const std::string& topic) override;

  // --- Access control (meta_service_access.cc) ---
  void createToken(rpc::CreateTokenResponse& result,
                   const rpc::CreateTokenRequest& request) override;
  void listTokens(std::vector<rpc::AccessToken>& result, const rpc::RequestHeader& header,
                  const std::string& team) override;
  void revokeToken(const rpc::RequestHeader& header, const std::string& name) override;
  void grantAcl(rpc::AclEntry& result, const rpc::RequestHeader& header,
                const rpc::AclEntry& entry) override;
  void revokeAcl(const rpc::RequestHeader& header, const rpc::AclEntry& entry) override;
  void listAcls(std::vector<rpc::AclEntry>& result, const rpc::RequestHeader& header) override;

  // --- Quotas (meta_service_quotas.cc) ---
  void setQuota(rpc::QuotaEntry& result, const rpc::RequestHeader& header,
                const rpc::QuotaEntry& entry) override;
  void listQuotas(std::vector<rpc::QuotaEntry>& result, const rpc::RequestHeader& header) override;
  void removeQuota(const rpc::RequestHeader& header, const std::string& entity_type,
                   const std::string& entity_name) override;

  // --- Cluster identity (meta_service_cluster.cc; docs/multi-cluster.md) ---
  void clusterName(std::string& result, const rpc::RequestHeader& header) override;
  void listPeerClusters(std::vector<rpc::PeerClusterInfo>& result,
                        const rpc::RequestHeader& header) override;

 private:
  // With access control on and a remote caller: authenticates the header's token and
  // checks what `method` needs, or what the method checks itself with requireInBody.
  void authorize(const char* method, const rpc::RequestHeader& header);
  // For methods whose grant depends on an argument: checks the caller authorize() found
  // (nothing when access control is off or the call is in-process).
  static void requireInBody(ResourceType type, const std::string& name, Permission permission);
  // Who the audit log names: the token's name when there is one, else the client id.
  static std::string actor(const rpc::RequestHeader& header);

  // Runs `body`, records the outcome in the metrics and rethrows any failure as MqError.
  void serve(const char* method, const rpc::RequestHeader& header,
             const std::function<void()>& body);
  // The datanode's info with its replicas.
  rpc::DatanodeInfo datanodeInfo(const DatanodeStatus& status);

  MetaStore& meta_;
  TopicService& topics_;
  DatanodeRegistry& datanodes_;
  KnownBrokers& known_brokers_;
  AlertService& alerts_;
  PartitionLifecycle& lifecycle_;
  DeadLetterService& dead_letters_;
  DatanodeFailover& failover_;
  DatanodeReplicas& replicas_;
  AccessControl& access_;
  AccessAdmin& access_admin_;
  QuotaAdmin& quota_admin_;
  const PeerClusters& peers_;
  const std::string cluster_name_;
  MetaMetrics* metrics_;
};

}  // namespace mq
