// Broker.listOffsets: earliest, latest (the next offset to be written) or the first offset
// appended at or after a timestamp, per partition.
#pragma once

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

// A partition the caller may not consume answers NOT_AUTHORIZED.
rpc::ListOffsetsResponse handleListOffsets(BrokerContext& context,
                                           const rpc::ListOffsetsRequest& request,
                                           const Caller& caller);

}  // namespace mq
