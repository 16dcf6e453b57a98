#include "broker/handlers/produce_handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <iterator>
#include <set>

#include "common/clock.h"
#include "common/header_codec.h"
#include "common/message_bytes.h"

namespace mq {
namespace {

// Checks one batch against the limits and the topology; returns its route.
PartitionRoute validateBatch(BrokerContext& context, const Caller& caller,
                             const rpc::PartitionBatch& batch, int64_t* batch_bytes) {
  caller.require(ResourceType::kTopic, batch.topic, Permission::kProduce);
  const int idempotent_fields =
      batch.__isset.producer_id + batch.__isset.producer_epoch + batch.__isset.base_sequence;
  if (idempotent_fields != 0 && idempotent_fields != 3) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               "an idempotent batch needs producer_id, producer_epoch and base_sequence");
  }
  PartitionRoute route = context.topology.route(batch.topic, batch.partition);
  if (batch.messages.empty()) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("batch for partition {} of `{}` has no messages", batch.partition,
                           batch.topic));
  }
  if (static_cast<int64_t>(batch.messages.size()) > context.config.max_batch_messages) {
    throwError(rpc::ErrorCode::BATCH_TOO_LARGE,
               fmt::format("batch of {} messages exceeds max {}", batch.messages.size(),
                           context.config.max_batch_messages));
  }
  *batch_bytes = 0;
  for (size_t i = 0; i < batch.messages.size(); ++i) {
    int64_t bytes = messageBytes(batch.messages[i]);
    if (bytes > context.config.max_message_bytes) {
      throwError(rpc::ErrorCode::MESSAGE_TOO_LARGE,
                 fmt::format("message {} of {} bytes exceeds max {} bytes", i, bytes,
                             context.config.max_message_bytes));
    }
    if (batch.messages[i].timestamp_ms < 0) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("message {} has a negative timestamp", i));
    }
    const int64_t deliver_at = batch.messages[i].deliver_at_ms;
    if (deliver_at < 0 || deliver_at > nowMs() + context.config.max_delay_ms) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("message {} has delivery time {}: must be 0 (now) or at most {} "
                             "ms from now",
                             i, deliver_at, context.config.max_delay_ms));
    }
    *batch_bytes += bytes;
  }
  if (!route.writable) {
    throwError(rpc::ErrorCode::PARTITION_READ_ONLY,
               fmt::format("partition {} of `{}` is read-only", batch.partition, batch.topic));
  }
  return route;
}

// The producer's identity for an idempotent batch, checked against the epochs the metadata
// database issued (through the broker's cache, ProducerEpochs, which also answers while that
// database is down): an unknown id is refused, an older epoch is fenced (a zombie cannot
// write).
std::optional<ProducerTag> producerTag(BrokerContext& context, const rpc::PartitionBatch& batch) {
  if (!batch.__isset.producer_id) return std::nullopt;
  if (batch.base_sequence < 0) {
    throwError(rpc::ErrorCode::INVALID_REQUEST, "base_sequence must not be negative");
  }
  const std::optional<int16_t> current =
      context.producer_epochs.current(batch.producer_id, batch.producer_epoch);
  if (!current) {
    throwError(rpc::ErrorCode::UNKNOWN_PRODUCER_ID,
               fmt::format("unknown producer id {}; call initProducer", batch.producer_id));
  }
  if (batch.producer_epoch < *current) {
    throwError(rpc::ErrorCode::PRODUCER_FENCED,
               fmt::format("producer {} epoch {} is fenced: a newer instance has epoch {}",
                           batch.producer_id, batch.producer_epoch, *current));
  }
  if (batch.producer_epoch > *current) {
    throwError(rpc::ErrorCode::UNKNOWN_PRODUCER_ID,
               fmt::format("producer {} epoch {} was never issued (current {})", batch.producer_id,
                           batch.producer_epoch, *current));
  }
  return ProducerTag{batch.producer_id, batch.producer_epoch, batch.base_sequence};
}

rpc::PartitionProduceResult emptyResult(const rpc::PartitionBatch& batch) {
  rpc::PartitionProduceResult result;
  result.topic = batch.topic;
  result.partition = batch.partition;
  result.base_offset = -1;
  result.error = rpc::ErrorCode::NONE;
  return result;
}

void setFailure(BrokerContext& context, rpc::PartitionProduceResult& result,
                std::exception_ptr error, int datanode_id) {
  auto failure =
      classifyPartitionFailure(context, error, result.topic, result.partition, datanode_id);
  result.error = failure.code;
  result.error_message = failure.message;
  result.retriable = isRetriable(failure.code);
  result.base_offset = -1;
}

// The batches that go to one datanode, and where their results go.
struct DatanodeShare {
  int datanode_id = -1;
  std::vector<WriteItem> items;
  std::vector<const rpc::PartitionBatch*> batches;
  std::vector<rpc::PartitionProduceResult*> results;
};

// Fills in a share's results from its items' outcomes.
void answerShare(BrokerContext& context, DatanodeShare& share) {
  for (size_t i = 0; i < share.items.size(); ++i) {
    const WriteItem& item = share.items[i];
    const rpc::PartitionBatch& batch = *share.batches[i];
    rpc::PartitionProduceResult& result = *share.results[i];
    if (!item.failure)
      context.metrics.recordProduceStages(item.queued, item.trace.lock, item.trace.write);
    if (item.failure) {
      setFailure(context, result, item.failure, share.datanode_id);
    } else if (item.batch.error != rpc::ErrorCode::NONE) {
      result.error = item.batch.error;
      result.error_message = item.batch.error_message;
      result.retriable = isRetriable(item.batch.error);
    } else {
      result.base_offset = item.batch.base_offset;
      // The time the store compared delivery times with: a client numbers the immediate
      // messages of the batch from base_offset with it.
      result.append_time_ms = item.batch.append_ms != 0 ? item.batch.append_ms : nowMs();
      if (!item.batch.duplicate) {
        // Its group's leader already kept it for fetches at the log end (datanode_writer.h).
        context.notifier.notify(item.table);
        context.metrics.recordProduced(batch.topic, static_cast<int64_t>(batch.messages.size()),
                                       item.bytes);
      }
    }
  }
}

void failShare(DatanodeShare& share, std::exception_ptr error) {
  for (auto& item : share.items) item.failure = error;
}

// Appends one datanode's share through its writer (group commit) and fills in the results.
void appendShare(BrokerContext& context, DatanodeShare& share) {
  try {
    const DatanodePools::WriteGrant grant = context.pools.poolForWrite(share.datanode_id);
    context.writers.writer(share.datanode_id).append(grant.pool, share.items);
    // Acknowledged only if no failover fenced the datanode meanwhile (datanode_pools.h).
    context.pools.confirmWrite(share.datanode_id, grant);
  } catch (...) {
    failShare(share, std::current_exception());
  }
  answerShare(context, share);
}

// As appendShare, without waiting: `answered` runs once the results are in.
void appendShareAsync(BrokerContext& context, DatanodeShare& share,
                      std::function<void()> answered) {
  DatanodePools::WriteGrant grant;
  try {
    grant = context.pools.poolForWrite(share.datanode_id);
    DatanodeWriter& writer = context.writers.writer(share.datanode_id);
    writer.appendAsync(grant.pool, share.items, [&context, &share, grant, answered] {
      try {
        context.pools.confirmWrite(share.datanode_id, grant);
      } catch (...) {
        failShare(share, std::current_exception());
      }
      answerShare(context, share);
      answered();
    });
  } catch (...) {  // before its items were queued: nothing of it was written
    failShare(share, std::current_exception());
    answerShare(context, share);
    answered();
  }
}

// Whole-request checks: batches present, no partition twice, within max-batch-bytes.
void checkRequest(BrokerContext& context, const rpc::ProduceRequest& request) {
  if (request.batches.empty()) throwError(rpc::ErrorCode::INVALID_REQUEST, "no batches");
  int64_t total = 0;
  std::set<std::pair<std::string, int>> seen;
  for (const auto& batch : request.batches) {
    if (!seen.emplace(batch.topic, batch.partition).second) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("partition {} of `{}` appears twice in one request; merge the "
                             "batches so their order is defined",
                             batch.partition, batch.topic));
    }
    for (const auto& message : batch.messages) total += messageBytes(message);
  }
  if (total > context.config.max_batch_bytes) {
    throwError(rpc::ErrorCode::BATCH_TOO_LARGE,
               fmt::format("request of {} bytes exceeds max {} bytes", total,
                           context.config.max_batch_bytes));
  }
}

// The requests of a handleProduces call validated and split by datanode: the outcomes to
// fill in, and the shares that fill them. Not moved once built (the shares point into it).
struct ProducePlan {
  std::vector<ProduceOutcome> outcomes;
  // Message pointers of every batch; the write items point into them.
  std::vector<std::vector<std::vector<const rpc::Message*>>> messages;
  std::vector<DatanodeShare> shares;
  // handleProducesAsync: shares not yet answered, and who gets the outcomes.
  std::atomic<size_t> unanswered{0};
  std::function<void(std::vector<ProduceOutcome>)> done;
};

// Validates every request and batch (a refused one gets its outcome now) and groups the
// accepted batches by datanode, in request order.
void planProduces(BrokerContext& context, const std::vector<ProduceCall>& calls,
                  ProducePlan& plan) {
  plan.outcomes.resize(calls.size());
  plan.messages.resize(calls.size());
  auto& shares = plan.shares;
  for (size_t r = 0; r < calls.size(); ++r) {
    const rpc::ProduceRequest& request = *calls[r].request;
    try {
      checkRequest(context, request);
    } catch (const rpc::MqError& e) {
      plan.outcomes[r].refused = e;
      continue;
    }
    auto& results = plan.outcomes[r].response.results;
    for (const auto& batch : request.batches) results.push_back(emptyResult(batch));
    auto& messages = plan.messages[r];
    messages.resize(request.batches.size());
    for (size_t i = 0; i < request.batches.size(); ++i) {
      const rpc::PartitionBatch& batch = request.batches[i];
      int datanode_id = -1;
      try {
        int64_t bytes = 0;
        PartitionRoute route = validateBatch(context, *calls[r].caller, batch, &bytes);
        datanode_id = route.datanode_id;
        WriteItem item;
        item.table = route.table;
        item.bytes = bytes;
        item.batch.producer = producerTag(context, batch);
        messages[i].reserve(batch.messages.size());
        for (const auto& message : batch.messages) messages[i].push_back(&message);
        item.batch.messages = &messages[i];
        // Copied now, in parallel with other requests, for the group's leader to keep.
        item.recent = context.writers.recentAppends().prepare(item.table, messages[i]);
        auto share = std::find_if(shares.begin(), shares.end(), [&](const DatanodeShare& s) {
          return s.datanode_id == route.datanode_id;
        });
        if (share == shares.end()) {
          shares.emplace_back();
          share = std::prev(shares.end());
          share->datanode_id = route.datanode_id;
        }
        share->items.push_back(std::move(item));
        share->batches.push_back(&batch);
        share->results.push_back(&results[i]);
      } catch (...) {
        setFailure(context, results[i], std::current_exception(), datanode_id);
      }
    }
  }
}

}  // namespace

rpc::ProduceResponse handleProduce(BrokerContext& context, const rpc::ProduceRequest& request,
                                   const Caller& caller) {
  auto outcomes = handleProduces(context, {ProduceCall{&request, &caller}});
  if (outcomes[0].refused) throw *outcomes[0].refused;
  return std::move(outcomes[0].response);
}

std::vector<ProduceOutcome> handleProduces(BrokerContext& context,
                                           const std::vector<ProduceCall>& calls) {
  ProducePlan plan;
  planProduces(context, calls, plan);
  auto& shares = plan.shares;
  // All of a datanode's batches join its group commit together (one transaction, when they
  // fit), in request order; different datanodes commit independently, side by side.
  std::vector<std::future<void>> others;
  for (size_t i = 1; i < shares.size(); ++i) {
    others.push_back(std::async(std::launch::async, [&, i] { appendShare(context, shares[i]); }));
  }
  if (!shares.empty()) appendShare(context, shares[0]);
  for (auto& other : others) other.get();
  return std::move(plan.outcomes);
}

bool produceServedFromCaches(BrokerContext& context, const rpc::ProduceRequest& request) {
  return std::all_of(request.batches.begin(), request.batches.end(), [&](const auto& batch) {
    return context.topology.knows(batch.topic, batch.partition) &&
           (!batch.__isset.producer_id ||
            context.producer_epochs.cached(batch.producer_id, batch.producer_epoch));
  });
}

void handleProducesAsync(BrokerContext& context, const std::vector<ProduceCall>& calls,
                         std::function<void(std::vector<ProduceOutcome>)> done) {
  auto plan = std::make_shared<ProducePlan>();
  planProduces(context, calls, *plan);
  if (plan->shares.empty()) return done(std::move(plan->outcomes));
  plan->done = std::move(done);
  plan->unanswered = plan->shares.size();
  // Every share queued before any can finish: the counter is set first.
  for (auto& share : plan->shares) {
    appendShareAsync(context, share, [plan] {
      if (--plan->unanswered == 0) plan->done(std::move(plan->outcomes));
    });
  }
}

}  // namespace mq
