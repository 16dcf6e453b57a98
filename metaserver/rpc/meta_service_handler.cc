#include "metaserver/rpc/meta_service_handler.h"

#include <fmt/format.h>

#include <exception>

#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "storage/topology_wire.h"

namespace mq {
namespace {

rpc::AlertRule toAlertRule(const AlertRuleRecord& record) {
  rpc::AlertRule rule;
  rule.id = record.id;
  rule.name = record.name;
  rule.group_id = record.group_id;
  rule.topic = record.topic;
  rule.kind = record.kind;
  rule.threshold = record.threshold;
  rule.for_ms = record.for_ms;
  rule.webhook_url = record.webhook_url;
  rule.created_ms = record.created_ms;
  rule.state = record.state;
  rule.state_since_ms = record.state_since_ms;
  rule.value = record.last_value;
  rule.evaluated_ms = record.evaluated_ms;
  return rule;
}

rpc::AlertEvent toAlertEvent(const AlertEventRecord& record) {
  rpc::AlertEvent event;
  event.id = record.id;
  event.alert_id = record.alert_id;
  event.alert_name = record.alert_name;
  event.group_id = record.group_id;
  event.topic = record.topic;
  event.kind = record.kind;
  event.event = record.event;
  event.at_ms = record.at_ms;
  event.value = record.value;
  event.threshold = record.threshold;
  event.message = record.message;
  return event;
}

rpc::DatanodeInfo toDatanodeInfo(const DatanodeStatus& status) {
  rpc::DatanodeInfo info;  // the password is deliberately not part of DatanodeInfo
  info.id = status.record.id;
  info.name = status.record.name;
  info.host = status.record.target.host;
  info.port = status.record.target.port;
  info.database_name = status.record.target.database;
  info.user = status.record.target.user;
  info.partition_count = status.partition_count;
  info.healthy = status.healthy;
  info.status_message = status.status_message;
  info.epoch = status.record.epoch;
  info.replication = status.replication;
  return info;
}

void addReplicas(rpc::DatanodeInfo& info, const std::vector<DatanodeReplicaRecord>& replicas) {
  for (const auto& record : replicas) {
    if (record.datanode_id != info.id) continue;
    rpc::DatanodeReplica replica;
    replica.host = record.host;
    replica.port = record.port;
    replica.state = record.state;
    replica.added_ms = record.added_ms;
    info.replicas.push_back(std::move(replica));
  }
}

// The MqError for the exception being handled. Datanode failures were already turned into
// MqError by DatanodeRegistry, so a raw database error here is the metadata database's.
rpc::MqError currentError() {
  try {
    throw;
  } catch (const rpc::MqError& e) {
    return e;
  } catch (const sql::SQLException& e) {
    auto error = makeError(rpc::ErrorCode::METADATA_UNAVAILABLE,
                           fmt::format("metadata database error: {}", e.what()));
    error.retriable = isTransientDbError(e);
    return error;
  } catch (const std::runtime_error& e) {
    // From the metadata pool: all connections busy.
    return makeError(rpc::ErrorCode::METADATA_UNAVAILABLE,
                     fmt::format("metadata database unavailable: {}", e.what()));
  } catch (const std::exception& e) {
    return makeError(rpc::ErrorCode::UNKNOWN, fmt::format("internal error: {}", e.what()));
  } catch (...) {
    return makeError(rpc::ErrorCode::UNKNOWN, "internal error");
  }
}

}  // namespace

MetaServiceHandler::MetaServiceHandler(MetaServiceWings wings)
    : meta_(wings.meta),
      topics_(wings.topics),
      datanodes_(wings.datanodes),
      known_brokers_(wings.brokers),
      alerts_(wings.alerts),
      lifecycle_(wings.lifecycle),
      dead_letters_(wings.dead_letters),
      failover_(wings.failover),
      replicas_(wings.replicas),
      access_(wings.access),
      access_admin_(wings.access_admin),
      quota_admin_(wings.quotas),
      peers_(wings.peers),
      cluster_name_(std::move(wings.cluster_name)),
      metrics_(wings.metrics) {}

void MetaServiceHandler::serve(const char* method, const rpc::RequestHeader& header,
                               const std::function<void()>& body) {
  const auto start = SteadyClock::now();
  auto seconds = [&] { return std::chrono::duration<double>(SteadyClock::now() - start).count(); };
  try {
    authorize(method, header);
    body();
  } catch (...) {
    rpc::MqError error = currentError();
    if (metrics_) metrics_->observeRpc(method, error.code, seconds());
    const bool refusal = !error.retriable && error.code != rpc::ErrorCode::UNKNOWN;
    LogLine(refusal ? LogLevel::kInfo : LogLevel::kWarn, "request failed")
        .kv("method", method)
        .kv("client", header.client_id)
        .kv("code", errorName(error.code))
        .kv("error", error.message);
    throw error;
  }
  if (metrics_) metrics_->observeRpc(method, rpc::ErrorCode::NONE, seconds());
}

void MetaServiceHandler::createTopic(rpc::TopicInfo& result,
                                     const rpc::CreateTopicRequest& request) {
  serve("createTopic", request.header, [&] {
    TopicSpec topic;
    topic.name = request.name;
    topic.partitions = request.partitions;
    topic.retention_ms = request.retention_ms;
    topic.owner_team = request.owner_team;
    topic.description = request.description;
    requireInBody(ResourceType::kTopic, request.name, Permission::kAdmin);
    result = toTopicInfo(topics_.create(actor(request.header), topic));
  });
}

void MetaServiceHandler::listTopics(std::vector<rpc::TopicInfo>& result,
                                    const rpc::RequestHeader& header) {
  serve("listTopics", header, [&] {
    result.clear();
    for (const auto& topic : topics_.list()) result.push_back(toTopicInfo(topic));
  });
}

void MetaServiceHandler::describeTopic(rpc::TopicInfo& result, const rpc::RequestHeader& header,
                                       const std::string& name) {
  serve("describeTopic", header, [&] { result = toTopicInfo(topics_.describe(name)); });
}

void MetaServiceHandler::deleteTopic(const rpc::RequestHeader& header, const std::string& name) {
  // deleteTopicWithOptions without force (meta_service_lifecycle.cc): refused while in use,
  // tables dropped after the grace period.
  serve("deleteTopic", header, [&] { lifecycle_.deleteTopic(header.client_id, name, false); });
}

void MetaServiceHandler::addPartitions(rpc::TopicInfo& result, const rpc::RequestHeader& header,
                                       const std::string& name, int32_t count) {
  serve("addPartitions", header,
        [&] { result = toTopicInfo(topics_.addPartitions(header.client_id, name, count)); });
}

void MetaServiceHandler::addDatanode(rpc::DatanodeInfo& result,
                                     const rpc::AddDatanodeRequest& request) {
  serve("addDatanode", request.header, [&] {
    DbTarget target;
    target.host = request.host;
    target.port = request.port;
    target.database = request.database_name;
    target.user = request.user;
    target.password = request.password;
    DatanodeStatus status;
    status.record = datanodes_.add(request.header.client_id, request.name, target);
    status.healthy = true;  // just connected and migrated
    status.status_message = "ok";
    result = toDatanodeInfo(status);
  });
}

void MetaServiceHandler::failoverDatanode(rpc::FailoverDatanodeResponse& result,
                                          const rpc::FailoverDatanodeRequest& request) {
  serve("failoverDatanode", request.header, [&] {
    auto done = failover_.failover(request.header.client_id, request.name, request.host,
                                   request.port, request.timeout_ms);
    DatanodeStatus status;
    status.record = done.record;
    status.healthy = true;  // just promoted
    status.status_message = "ok";
    result.datanode = datanodeInfo(status);
    result.old_address = done.old_address;
    result.old_primary_fenced = done.old_primary_fenced;
    result.applied_gtid = done.applied_gtid;
    result.brokers = done.brokers;
    result.fence_ms = done.fence_ms;
    result.catch_up_ms = done.catch_up_ms;
    result.total_ms = done.total_ms;
  });
}

void MetaServiceHandler::listDatanodes(std::vector<rpc::DatanodeInfo>& result,
                                       const rpc::RequestHeader& header) {
  serve("listDatanodes", header, [&] {
    result.clear();
    std::vector<DatanodeReplicaRecord> replicas;
    replicas = replicas_.list();
    for (const auto& status : datanodes_.statuses()) {
      result.push_back(toDatanodeInfo(status));
      addReplicas(result.back(), replicas);
    }
  });
}

rpc::DatanodeInfo MetaServiceHandler::datanodeInfo(const DatanodeStatus& status) {
  auto info = toDatanodeInfo(status);
  addReplicas(info, replicas_.list());
  return info;
}

void MetaServiceHandler::addDatanodeReplica(rpc::DatanodeInfo& result,
                                            const rpc::RequestHeader& header,
                                            const std::string& name, const std::string& host,
                                            int32_t port) {
  serve("addDatanodeReplica", header, [&] {
    DatanodeStatus status;
    status.record = replicas_.add(header.client_id, name, host, port);
    status.healthy = true;
    status.status_message = "ok";
    result = datanodeInfo(status);
  });
}

void MetaServiceHandler::rebuildDatanodeReplica(rpc::DatanodeInfo& result,
                                                const rpc::RebuildReplicaRequest& request) {
  serve("rebuildDatanodeReplica", request.header, [&] {
    DatanodeStatus status;
    status.record = replicas_.rebuild(request.header.client_id, request.datanode, request.host,
                                      request.port, request.gtid_position, request.replication_user,
                                      request.replication_password, request.timeout_ms);
    status.healthy = true;
    status.status_message = "ok";
    result = datanodeInfo(status);
  });
}

void MetaServiceHandler::removeDatanodeReplica(rpc::DatanodeInfo& result,
                                               const rpc::RequestHeader& header,
                                               const std::string& name, const std::string& host,
                                               int32_t port) {
  serve("removeDatanodeReplica", header, [&] {
    DatanodeStatus status;
    status.record = replicas_.remove(header.client_id, name, host, port);
    status.healthy = true;
    status.status_message = "ok";
    result = datanodeInfo(status);
  });
}

void MetaServiceHandler::listBrokers(std::vector<rpc::BrokerInfo>& result,
                                     const rpc::RequestHeader& header) {
  serve("listBrokers", header, [&] {
    result.clear();
    for (const auto& broker : known_brokers_.live()) {
      result.push_back(toBrokerInfo(broker));
    }
  });
}

void MetaServiceHandler::createAlert(rpc::AlertRule& result,
                                     const rpc::CreateAlertRequest& request) {
  serve("createAlert", request.header, [&] {
    AlertRuleRecord rule;
    rule.name = request.name;
    rule.group_id = request.group_id;
    rule.topic = request.topic;
    rule.kind = request.kind;
    rule.threshold = request.threshold;
    rule.for_ms = request.for_ms;
    rule.webhook_url = request.webhook_url;
    result = toAlertRule(alerts_.create(request.header.client_id, rule));
  });
}

void MetaServiceHandler::listAlerts(std::vector<rpc::AlertRule>& result,
                                    const rpc::RequestHeader& header) {
  serve("listAlerts", header, [&] {
    result.clear();
    for (const auto& rule : alerts_.list()) result.push_back(toAlertRule(rule));
  });
}

void MetaServiceHandler::deleteAlert(const rpc::RequestHeader& header, const std::string& name) {
  serve("deleteAlert", header, [&] { alerts_.remove(header.client_id, name); });
}

void MetaServiceHandler::listAlertEvents(std::vector<rpc::AlertEvent>& result,
                                         const rpc::ListAlertEventsRequest& request) {
  serve("listAlertEvents", request.header, [&] {
    result.clear();
    for (const auto& event : alerts_.events(request.alert_name, request.limit)) {
      result.push_back(toAlertEvent(event));
    }
  });
}

}  // namespace mq
