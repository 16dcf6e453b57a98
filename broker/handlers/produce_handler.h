// Broker.produce: validates every batch, then appends each partition's batch through its
// PartitionWriter (one transaction per group of batches). Batches for different partitions
// run in parallel. A partition's failure does not fail the others.
#pragma once

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

// Throws MqError for whole-request problems (empty request, request over max-batch-bytes).
rpc::ProduceResponse handleProduce(BrokerContext& context, const rpc::ProduceRequest& request);

}  // namespace mq
