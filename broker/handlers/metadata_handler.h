// Broker.metadata: topics and their partitions, and the live brokers, from the broker's
// cached topology (answers even while the metadata database is unreachable).
#pragma once

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

rpc::MetadataResponse handleMetadata(BrokerContext& context, const rpc::MetadataRequest& request);

}  // namespace mq
