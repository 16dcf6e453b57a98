// Broker.produce: validates every batch, then appends the batches through their datanode's
// DatanodeWriter (group commit: one transaction for concurrent requests' batches of many
// partitions). Different datanodes run in parallel. A batch refused on validation, or by its
// partition (sealed, idempotence), does not fail the others; a failed transaction fails
// every batch in it (see DatanodeWriter).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

// Throws MqError for whole-request problems (empty request, request over max-batch-bytes,
// a partition twice). A batch for a topic the caller may not produce to answers
// NOT_AUTHORIZED; the others go on.
rpc::ProduceResponse handleProduce(BrokerContext& context, const rpc::ProduceRequest& request,
                                   const Caller& caller);

// One request of handleProduces, and its outcome: the response, or the error that refused
// the whole request (what handleProduce throws).
struct ProduceCall {
  const rpc::ProduceRequest* request = nullptr;
  const Caller* caller = nullptr;
};
struct ProduceOutcome {
  rpc::ProduceResponse response;
  std::optional<rpc::MqError> refused;
};

// Serves several requests together (a Kafka connection's pipelined Produce requests): each is
// validated on its own, then the batches of all of them join their datanodes' group commits
// at once, in request order. A partition's batches so keep the order of the requests, and
// requests that would each have waited for a commit of their own share one.
std::vector<ProduceOutcome> handleProduces(BrokerContext& context,
                                           const std::vector<ProduceCall>& calls);

// Whether handleProduce answers `request` from the broker's caches alone (the topology and
// the idempotent producers' epochs), without reading the metadata database first: the
// event-driven server starts it on its loop thread only then.
bool produceServedFromCaches(BrokerContext& context, const rpc::ProduceRequest& request);

// As handleProduces, without waiting for the group commits: `done` gets the outcomes once
// every batch has one, on the thread that finished the last of them (a datanode's writer,
// or this one when nothing was written). The requests and callers of `calls` must stay
// alive until then. `done` must not throw or block long (the writer's next group waits).
void handleProducesAsync(BrokerContext& context, const std::vector<ProduceCall>& calls,
                         std::function<void(std::vector<ProduceOutcome>)> done);

}  // namespace mq
