// Conversions from topology records (common/topology.h) to their wire form (idl/mq.thrift),
// shared by the broker and the metaserver.
#pragma once

#include "common/topology.h"
#include "mq_types.h"

namespace mq {

rpc::TopicInfo toTopicInfo(const TopicRecord& topic);
rpc::BrokerInfo toBrokerInfo(const BrokerRecord& broker);

}  // namespace mq
