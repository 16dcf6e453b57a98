#include "metaserver/portal/topology_json.h"

#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/log.h"

namespace mq {
namespace {

void appendField(std::string& out, const char* name, std::string_view value) {
  out += fmt::format("\"{}\":", name);
  appendJsonString(out, value);
}

}  // namespace

std::string topicJson(const TopicRecord& topic) {
  std::string out = fmt::format("{{\"id\":{},", topic.id);
  appendField(out, "name", topic.name);
  out += fmt::format(",\"retention_ms\":{},", topic.retention_ms);
  appendField(out, "owner_team", topic.owner_team);
  out += ',';
  appendField(out, "description", topic.description);
  out += fmt::format(",\"created_ms\":{},\"partitions\":[", topic.created_ms);
  for (size_t i = 0; i < topic.partitions.size(); ++i) {
    const auto& partition = topic.partitions[i];
    if (i > 0) out += ',';
    out += fmt::format("{{\"partition\":{},\"datanode_id\":{},", partition.partition,
                       partition.datanode_id);
    appendField(out, "table_name", partition.table_name);
    out += fmt::format(",\"writable\":{}}}", partition.writable ? "true" : "false");
  }
  out += "]}";
  return out;
}

std::string datanodeJson(const DatanodeRecord& datanode) {
  std::string out = fmt::format("{{\"id\":{},", datanode.id);
  appendField(out, "name", datanode.name);
  out += ',';
  appendField(out, "host", datanode.target.host);
  out += fmt::format(",\"port\":{},", datanode.target.port);
  appendField(out, "database", datanode.target.database);
  out += ',';
  appendField(out, "user", datanode.target.user);
  out += fmt::format(",\"created_ms\":{}}}", datanode.created_ms);
  return out;
}

}  // namespace mq
