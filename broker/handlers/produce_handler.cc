#include "broker/handlers/produce_handler.h"

#include <cppconn/exception.h>
#include <fmt/format.h>

#include <future>
#include <set>

#include "common/clock.h"
#include "common/header_codec.h"

namespace mq {
namespace {

int64_t messageBytes(const rpc::Message& message) {
  int64_t bytes = static_cast<int64_t>(message.key.size() + message.value.size());
  for (const auto& [name, value] : message.headers) bytes += name.size() + value.size();
  return bytes;
}

// Checks one batch against the limits and the topology; returns its route.
PartitionRoute validateBatch(BrokerContext& context, const rpc::PartitionBatch& batch,
                             int64_t* batch_bytes) {
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

// The producer's identity for an idempotent batch, checked against the metadata database:
// an unknown id is refused, an older epoch is fenced (a zombie cannot write).
std::optional<ProducerTag> producerTag(BrokerContext& context, const rpc::PartitionBatch& batch) {
  if (!batch.__isset.producer_id) return std::nullopt;
  if (batch.base_sequence < 0) {
    throwError(rpc::ErrorCode::INVALID_REQUEST, "base_sequence must not be negative");
  }
  std::optional<int16_t> current;
  try {
    current = context.meta.producerEpoch(batch.producer_id);
  } catch (const sql::SQLException& e) {
    throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
               std::string("cannot check the producer's epoch: ") + e.what());
  }
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

rpc::PartitionProduceResult produceOne(BrokerContext& context, const rpc::PartitionBatch& batch) {
  rpc::PartitionProduceResult result;
  result.topic = batch.topic;
  result.partition = batch.partition;
  result.base_offset = -1;
  result.error = rpc::ErrorCode::NONE;
  int datanode_id = -1;
  try {
    int64_t bytes = 0;
    PartitionRoute route = validateBatch(context, batch, &bytes);
    datanode_id = route.datanode_id;
    std::vector<const rpc::Message*> messages;
    messages.reserve(batch.messages.size());
    for (const auto& message : batch.messages) messages.push_back(&message);
    AppendBatch append;
    append.messages = &messages;
    append.producer = producerTag(context, batch);
    auto pool = context.pools.pool(route.datanode_id);
    context.writers.writer(route.table).append(*pool, append, bytes);
    if (append.error != rpc::ErrorCode::NONE) throwError(append.error, append.error_message);
    result.base_offset = append.base_offset;
    // The time the store compared delivery times with: a client numbers the immediate
    // messages of the batch from base_offset with it.
    result.append_time_ms = append.append_ms != 0 ? append.append_ms : nowMs();
    if (!append.duplicate) {
      context.notifier.notify();
      context.metrics.recordProduced(batch.topic, static_cast<int64_t>(messages.size()), bytes);
    }
  } catch (...) {
    auto failure = classifyPartitionFailure(context, std::current_exception(), batch.topic,
                                            batch.partition, datanode_id);
    result.error = failure.code;
    result.error_message = failure.message;
    result.retriable = isRetriable(failure.code);
    result.base_offset = -1;
  }
  return result;
}

}  // namespace

rpc::ProduceResponse handleProduce(BrokerContext& context, const rpc::ProduceRequest& request) {
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
  rpc::ProduceResponse response;
  if (request.batches.size() == 1) {
    response.results.push_back(produceOne(context, request.batches.front()));
    return response;
  }
  // Different partitions commit independently; run them side by side so one request
  // costs one commit latency, not one per partition.
  std::vector<std::future<rpc::PartitionProduceResult>> pending;
  for (size_t i = 1; i < request.batches.size(); ++i) {
    pending.push_back(std::async(std::launch::async, [&context, &request, i] {
      return produceOne(context, request.batches[i]);
    }));
  }
  response.results.push_back(produceOne(context, request.batches.front()));
  for (auto& future : pending) response.results.push_back(future.get());
  return response;
}

}  // namespace mq
