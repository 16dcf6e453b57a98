// Broker.initProducer: issues an idempotent producer's id and epoch (persisted in the
// metadata database). A named producer keeps its id and gets the next epoch, which fences
// its older instances.
#pragma once

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

rpc::InitProducerResponse handleInitProducer(BrokerContext& context,
                                             const rpc::InitProducerRequest& request);

}  // namespace mq
