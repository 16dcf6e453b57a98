#include "broker/kafka/handlers/produce.h"

#include <fmt/format.h>

#include <map>

#include "broker/handlers/produce_handler.h"
#include "broker/kafka/delivery_headers.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/record_batch.h"
#include "common/clock.h"

namespace mq::kafka {
namespace {

// A partition's outcome while the request is served; `batch_index` locates it in the Thrift
// request when it was delegated.
struct Slot {
  ProduceResponse::Partition result;
  int batch_index = -1;
};

void refuse(Slot& slot, KafkaError error, std::string message) {
  slot.result.error_code = code(error);
  slot.result.error_message = std::move(message);
}

// Kafka records -> mq messages: a null key stays unset, a null value is stored empty,
// headers keep their last value per name (mq headers are a map), a record timestamp of -1
// (none) becomes 0 (the append time), a delivery-time header (delivery_headers.h) becomes
// deliver_at_ms and is not stored. Keys and values are moved out of `batch`. Returns false,
// with the record's index in the partition's records and `*problem`, on a bad delivery time.
bool toMessages(const BrokerConfig& config, RecordBatch& batch, std::vector<rpc::Message>& messages,
                int32_t* bad_record, std::string* problem) {
  const int64_t now = nowMs();
  for (size_t i = 0; i < batch.records.size(); ++i) {
    auto& record = batch.records[i];
    rpc::Message message;
    if (record.key) {  // what __set_key does, moving (it only takes a const reference)
      message.key = std::move(*record.key);
      message.__isset.key = true;
    }
    if (record.value) message.value = std::move(*record.value);
    for (const auto& header : record.headers) {
      if (isDeliveryHeader(header.key)) continue;
      message.headers[header.key] = header.value.value_or("");
    }
    message.timestamp_ms = record.timestamp >= 0 ? record.timestamp : 0;
    const auto deliver_at =
        deliveryTimeFromHeaders(record.headers, now, config.max_delay_ms, problem);
    if (!deliver_at) {
      *bad_record = static_cast<int32_t>(messages.size());
      *problem = fmt::format("record {}: {}", *bad_record, *problem);
      return false;
    }
    message.deliver_at_ms = *deliver_at;
    messages.push_back(std::move(message));
  }
  return true;
}

// Decodes one partition's records into `batch`; refuses what mq cannot store.
bool decodePartition(const BrokerConfig& config, const ProduceRequest::Partition& partition,
                     rpc::PartitionBatch& batch, Slot& slot) {
  if (!partition.records || partition.records->empty()) {
    refuse(slot, KafkaError::kCorruptMessage, "no record batch");
    return false;
  }
  RecordBatchLimits limits;
  // Decompressed records carry framing beyond key + value + headers: allow for it.
  limits.max_uncompressed_bytes = static_cast<size_t>(config.max_batch_bytes) * 2 + (1 << 20);
  limits.max_records = config.max_batch_messages;
  std::vector<RecordBatch> batches;
  try {
    batches = decodeRecordBatches(*partition.records, limits);
  } catch (const std::exception& e) {  // KafkaDecodeError, CompressionError
    refuse(slot, KafkaError::kCorruptMessage, e.what());
    return false;
  }
  for (const auto& decoded : batches) {
    if (decoded.transactional() || decoded.control()) {
      refuse(slot, KafkaError::kInvalidRecord,
             "transactional record batches are not supported by mq (docs/kafka.md)");
      return false;
    }
  }
  const RecordBatch& first = batches.front();
  if (first.producer_id >= 0) {
    if (batches.size() != 1) {
      refuse(slot, KafkaError::kInvalidRecord,
             "an idempotent producer sends one record batch per partition and request");
      return false;
    }
    batch.__set_producer_id(first.producer_id);
    batch.__set_producer_epoch(first.producer_epoch);
    batch.__set_base_sequence(first.base_sequence);
  }
  for (auto& decoded : batches) {
    std::string problem;
    int32_t bad_record = 0;
    if (!toMessages(config, decoded, batch.messages, &bad_record, &problem)) {
      refuse(slot, KafkaError::kInvalidRecord, problem);
      slot.result.record_errors.push_back({bad_record, problem});
      return false;
    }
  }
  return true;
}

// One Kafka Produce request on its way through handleProduces: its partitions' outcomes
// (slots, per topic) and the Thrift request of the batches that were delegated.
struct PendingProduce {
  ProduceRequest decoded;
  std::vector<std::vector<Slot>> slots;
  std::optional<Caller> caller;
  rpc::ProduceRequest produce;
};

// Authenticates the request and decodes each partition's records into `pending.produce`;
// refuses in its slot what cannot be stored.
void prepare(KafkaRequest& request, PendingProduce& pending) {
  BrokerContext& broker = request.broker;
  const auto& decoded = pending.decoded;
  pending.slots.resize(decoded.topics.size());
  std::optional<rpc::MqError> refused;
  try {
    if (decoded.transactional_id) {
      throwError(rpc::ErrorCode::NOT_AUTHORIZED, "transactions are not supported by mq");
    }
    if (broker.shutting_down) throwError(rpc::ErrorCode::SHUTTING_DOWN, "broker is shutting down");
    pending.caller = request.authenticate();
  } catch (const rpc::MqError& e) {
    refused = e;
  }
  pending.produce.header.client_id = request.clientId();
  std::map<std::pair<std::string, int>, bool> seen;
  for (size_t t = 0; t < decoded.topics.size(); ++t) {
    const auto& topic = decoded.topics[t];
    for (const auto& partition : topic.partitions) {
      Slot slot;
      slot.result.index = partition.index;
      if (refused) {
        refuse(slot,
               decoded.transactional_id ? KafkaError::kTransactionalIdAuthorizationFailed
                                        : toKafkaError(refused->code),
               refused->message);
      } else if (!seen.emplace(std::make_pair(topic.name, partition.index), true).second) {
        refuse(slot, KafkaError::kInvalidRequest, "partition appears twice in one request");
      } else {
        rpc::PartitionBatch batch;
        batch.topic = topic.name;
        batch.partition = partition.index;
        if (decodePartition(broker.config, partition, batch, slot)) {
          slot.batch_index = static_cast<int>(pending.produce.batches.size());
          pending.produce.batches.push_back(std::move(batch));
        }
      }
      pending.slots[t].push_back(std::move(slot));
    }
  }
}

// The request's reply from the outcome of its delegated batches (none: nothing delegated).
KafkaReply finish(KafkaRequest& request, PendingProduce& pending, const ProduceOutcome* outcome) {
  KafkaReply reply;
  if (outcome != nullptr) {
    for (auto& topic_slots : pending.slots) {
      for (auto& slot : topic_slots) {
        if (slot.batch_index < 0) continue;
        if (outcome->refused) {  // the whole request (e.g. over max-batch-bytes)
          refuse(slot, toKafkaError(outcome->refused->code), outcome->refused->message);
          continue;
        }
        const auto& result = outcome->response.results[slot.batch_index];
        if (result.error != rpc::ErrorCode::NONE) {
          refuse(slot, toKafkaProduceError(result.error, result.error_message),
                 result.error_message);
        } else {
          slot.result.base_offset = result.base_offset;
        }
      }
    }
    reply.throttle_ms = request.broker.quotas.charge(
        QuotaEnforcer::produceUsage(request.quotaClient(*pending.caller), pending.produce));
  }
  if (pending.decoded.acks == 0) return reply;  // the client expects no response

  ProduceResponse response;
  for (size_t t = 0; t < pending.decoded.topics.size(); ++t) {
    ProduceResponse::Topic topic;
    topic.name = pending.decoded.topics[t].name;
    for (auto& slot : pending.slots[t]) topic.partitions.push_back(std::move(slot.result));
    response.responses.push_back(std::move(topic));
  }
  response.throttle_time_ms = static_cast<int32_t>(reply.throttle_ms);
  reply.body = encodeMessage(response, request.header.api_version);
  return reply;
}

}  // namespace

std::vector<KafkaReply> handleKafkaProduces(std::vector<KafkaRequest>& requests,
                                            std::string* malformed) {
  if (requests.empty()) return {};
  std::vector<PendingProduce> pending;
  pending.reserve(requests.size());
  for (auto& request : requests) {
    try {
      auto decoded = decodeMessage<ProduceRequest>(request.body, request.header.api_version);
      pending.emplace_back();
      pending.back().decoded = std::move(decoded);
    } catch (const KafkaDecodeError& e) {
      *malformed = e.what();
      break;  // it and the requests after it are not served
    }
  }
  std::vector<ProduceCall> calls;
  std::vector<size_t> call_of(pending.size(), SIZE_MAX);
  for (size_t i = 0; i < pending.size(); ++i) {
    prepare(requests[i], pending[i]);
    if (pending[i].produce.batches.empty()) continue;
    call_of[i] = calls.size();
    calls.push_back(ProduceCall{&pending[i].produce, &*pending[i].caller});
  }
  const auto outcomes = handleProduces(requests[0].broker, calls);
  std::vector<KafkaReply> replies;
  replies.reserve(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    replies.push_back(
        finish(requests[i], pending[i], call_of[i] == SIZE_MAX ? nullptr : &outcomes[call_of[i]]));
  }
  return replies;
}

KafkaReply handleKafkaProduce(KafkaRequest& request) {
  std::vector<KafkaRequest> requests{request};
  std::string malformed;
  auto replies = handleKafkaProduces(requests, &malformed);
  if (replies.empty()) throw KafkaDecodeError(malformed);
  return std::move(replies[0]);
}

}  // namespace mq::kafka
