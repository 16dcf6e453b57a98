// Broker.produce: validates every batch, then appends the batches through their datanode's
// DatanodeWriter (group commit: one transaction for concurrent requests' batches of many
// partitions). Different datanodes run in parallel. A batch refused on validation, or by its
// partition (sealed, idempotence), does not fail the others; a failed transaction fails
// every batch in it (see DatanodeWriter).
#pragma once

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

// Throws MqError for whole-request problems (empty request, request over max-batch-bytes).
// A batch for a topic the caller may not produce to answers NOT_AUTHORIZED; the others go on.
rpc::ProduceResponse handleProduce(BrokerContext& context, const rpc::ProduceRequest& request,
                                   const Caller& caller);

}  // namespace mq
