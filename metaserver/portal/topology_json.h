// JSON views of topology records, for the audit log's before/after columns (and later the
// portal's JSON API). A datanode's password is never included.
#pragma once

#include <string>

#include "common/topology.h"

namespace mq {

// {"id":..,"name":..,"retention_ms":..,"owner_team":..,"description":..,"created_ms":..,
//  "partitions":[{"partition":0,"datanode_id":1,"table_name":"mq_t1_p0","writable":true},..]}
std::string topicJson(const TopicRecord& topic);

// {"id":..,"name":..,"host":..,"port":..,"database":..,"user":..,"created_ms":..}
std::string datanodeJson(const DatanodeRecord& datanode);

}  // namespace mq
