// Broker.produce on the event-driven server (server/event_rpc_server.h): decodes the
// request, runs BrokerService::produceAsync and encodes its reply as the generated
// processor would (a Broker_produce_result: the response or the MqError). The pool thread
// that decoded the request is free as soon as the batches are queued for their group
// commits; the datanode writer that commits the last of them writes the reply.
#pragma once

#include <memory>

#include "broker/broker_service.h"
#include "server/event_rpc_server.h"

namespace mq {

// The "produce" entry of EventRpcServer's asynchronous methods. A request that cannot be
// decoded closes its connection (as with the generated processor).
EventRpcServer::AsyncMethod asyncProduceMethod(std::shared_ptr<BrokerService> service);

}  // namespace mq
