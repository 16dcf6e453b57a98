#include "metaserver/datanode_replicas.h"

#include <fmt/format.h>

#include "common/errors.h"
#include "common/log.h"
#include "metaserver/store/replication_store.h"

namespace mq {
namespace {

std::string replicaJson(const std::string& host, int port, const std::string& state) {
  return fmt::format("{{\"host\":\"{}\",\"port\":{},\"state\":\"{}\"}}", host, port, state);
}

}  // namespace

DatanodeReplicas::DatanodeReplicas(MetaStore& meta, DatanodeReplicaStore& store, AuditTrail& audit)
    : meta_(meta), store_(store), audit_(audit) {}

DatanodeRecord DatanodeReplicas::find(const std::string& name) {
  for (auto& record : meta_.listDatanodes()) {
    if (record.name == name) return record;
  }
  throwError(rpc::ErrorCode::UNKNOWN_DATANODE, fmt::format("no datanode named `{}`", name));
}

DatanodeRecord DatanodeReplicas::add(const std::string& actor, const std::string& name,
                                     const std::string& host, int port) {
  if (host.empty() || host.size() > 255 || host.find_first_of(" \t\r\n/'\"") != std::string::npos) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               "the replica's host must be 1 to 255 characters without spaces or quotes");
  }
  if (port < 1 || port > 65535) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("the replica's port must be 1..65535, got {}", port));
  }
  DatanodeRecord record = find(name);
  if (record.target.host == host && record.target.port == port) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{}:{} is datanode `{}`'s primary, not a replica", host, port, name));
  }
  DbTarget target = record.target;
  target.host = host;
  target.port = port;
  DbPoolOptions options;
  options.max_connections = 1;
  options.connect_timeout_s = 3;
  options.io_timeout_s = 5;
  ReplicaStatus status;
  try {
    DbPool pool(target, options);
    auto db = pool.acquire();
    status = ReplicationStore::replicaStatus(*db);
  } catch (const std::exception& e) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("cannot reach replica {}:{} (database `{}`, user `{}`) of datanode "
                           "`{}`: {}",
                           host, port, target.database, target.user, name, e.what()));
  }
  if (!status.is_replica) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{}:{} is not a replica (SHOW SLAVE STATUS is empty); make it "
                           "replicate datanode `{}`'s primary {}:{} first",
                           host, port, name, record.target.host, record.target.port));
  }
  AuditTrail::Change change(audit_);
  store_.add(record.id, host, port, kReplicaActive);
  audit_.record(actor, "datanode.add_replica", name, "", replicaJson(host, port, kReplicaActive));
  change.commit();
  logInfo("datanode replica added")
      .kv("datanode", name)
      .kv("replica", fmt::format("{}:{}", host, port))
      .kv("actor", actor);
  return find(name);
}

DatanodeRecord DatanodeReplicas::remove(const std::string& actor, const std::string& name,
                                        const std::string& host, int port) {
  DatanodeRecord record = find(name);
  AuditTrail::Change change(audit_);
  if (!store_.remove(record.id, host, port)) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("{}:{} is not a recorded replica of datanode `{}`", host, port, name));
  }
  audit_.record(actor, "datanode.remove_replica", name, replicaJson(host, port, ""), "");
  change.commit();
  return find(name);
}

}  // namespace mq
