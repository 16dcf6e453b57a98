#include "storage/topology_wire.h"

namespace mq {

rpc::TopicInfo toTopicInfo(const TopicRecord& topic) {
  rpc::TopicInfo info;
  info.name = topic.name;
  info.id = topic.id;
  info.retention_ms = topic.retention_ms;
  info.owner_team = topic.owner_team;
  info.description = topic.description;
  info.created_ms = topic.created_ms;
  for (const auto& partition : topic.partitions) {
    rpc::PartitionInfo p;
    p.partition = partition.partition;
    p.datanode_id = partition.datanode_id;
    p.writable = partition.writable;
    p.table_name = partition.table_name;
    info.partitions.push_back(p);
  }
  return info;
}

rpc::BrokerInfo toBrokerInfo(const BrokerRecord& broker) {
  rpc::BrokerInfo info;
  info.id = broker.id;
  info.host = broker.host;
  info.port = broker.port;
  info.last_heartbeat_ms = broker.last_heartbeat_ms;
  info.started_ms = broker.started_ms;
  return info;
}

}  // namespace mq
