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
// deliver_at_ms and is not stored. Returns false, with the record's index in the
// partition's records and `*problem`, on a bad delivery time.
bool toMessages(const BrokerConfig& config, const RecordBatch& batch,
                std::vector<rpc::Message>& messages, int32_t* bad_record, std::string* problem) {
  const int64_t now = nowMs();
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const auto& record = batch.records[i];
    rpc::Message message;
    if (record.key) message.__set_key(*record.key);
    message.value = record.value.value_or("");
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
  for (const auto& decoded : batches) {
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

}  // namespace

KafkaReply handleKafkaProduce(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<ProduceRequest>(request.body, version);
  BrokerContext& broker = request.broker;

  std::vector<std::vector<Slot>> slots(decoded.topics.size());
  std::optional<Caller> caller;
  std::optional<rpc::MqError> refused;
  try {
    if (decoded.transactional_id) {
      throwError(rpc::ErrorCode::NOT_AUTHORIZED, "transactions are not supported by mq");
    }
    if (broker.shutting_down) throwError(rpc::ErrorCode::SHUTTING_DOWN, "broker is shutting down");
    caller = request.authenticate();
  } catch (const rpc::MqError& e) {
    refused = e;
  }

  rpc::ProduceRequest produce;
  produce.header.client_id = request.clientId();
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
          slot.batch_index = static_cast<int>(produce.batches.size());
          produce.batches.push_back(std::move(batch));
        }
      }
      slots[t].push_back(std::move(slot));
    }
  }

  KafkaReply reply;
  if (!produce.batches.empty()) {
    rpc::ProduceResponse served;
    std::optional<rpc::MqError> whole;
    try {
      served = handleProduce(broker, produce, *caller);
    } catch (const rpc::MqError& e) {
      whole = e;  // the whole request was refused (e.g. over max-batch-bytes)
    }
    for (auto& topic_slots : slots) {
      for (auto& slot : topic_slots) {
        if (slot.batch_index < 0) continue;
        if (whole) {
          refuse(slot, toKafkaError(whole->code), whole->message);
          continue;
        }
        const auto& result = served.results[slot.batch_index];
        if (result.error != rpc::ErrorCode::NONE) {
          refuse(slot, toKafkaProduceError(result.error, result.error_message),
                 result.error_message);
        } else {
          slot.result.base_offset = result.base_offset;
        }
      }
    }
    reply.throttle_ms =
        broker.quotas.charge(QuotaEnforcer::produceUsage(request.quotaClient(*caller), produce));
  }
  if (decoded.acks == 0) return reply;  // the client expects no response

  ProduceResponse response;
  for (size_t t = 0; t < decoded.topics.size(); ++t) {
    ProduceResponse::Topic topic;
    topic.name = decoded.topics[t].name;
    for (auto& slot : slots[t]) topic.partitions.push_back(std::move(slot.result));
    response.responses.push_back(std::move(topic));
  }
  response.throttle_time_ms = static_cast<int32_t>(reply.throttle_ms);
  reply.body = encodeMessage(response, version);
  return reply;
}

}  // namespace mq::kafka
