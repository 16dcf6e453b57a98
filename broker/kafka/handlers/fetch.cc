#include "broker/kafka/handlers/fetch.h"

#include <algorithm>

#include "broker/fetch_answer.h"
#include "broker/handlers/fetch_handler.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/fetch.h"
#include "broker/kafka/protocol/record_batch.h"
#include "common/clock.h"

namespace mq::kafka {
namespace {

// What a message costs in a response: key, value and headers, plus its record framing.
int64_t messageBytes(const rpc::StoredMessage& m) {
  int64_t bytes = static_cast<int64_t>(m.key.size() + m.value.size()) + 24;
  for (const auto& [name, value] : m.headers) bytes += name.size() + value.size() + 4;
  return bytes;
}

int64_t resultBytes(const FetchAnswer& answer) {
  int64_t bytes = 0;
  for (size_t i = 0; i < answer.response.results.size(); ++i) {
    for (const auto& m : answer.messagesOf(i)) bytes += messageBytes(*m);
  }
  return bytes;
}

// The first `count` of `messages` (held by the broker, shared; `bytes` their messageBytes)
// as one RecordBatch v2 (uncompressed, CreateTime: the producer's timestamp, or the append
// time when the producer gave none), written from where they are held.
std::string toRecords(const SharedMessages& messages, size_t count, int64_t bytes) {
  RecordBatch batch;
  batch.base_offset = messages.front()->offset;
  std::vector<RecordView> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const rpc::StoredMessage& m = *messages[i];
    RecordView record;
    record.offset_delta = static_cast<int32_t>(m.offset - batch.base_offset);
    record.timestamp = m.timestamp_ms > 0 ? m.timestamp_ms : m.append_time_ms;
    if (m.__isset.key) record.key = m.key;
    record.value = m.value;
    record.headers.reserve(m.headers.size());
    for (const auto& [name, value] : m.headers) record.headers.push_back({name, value});
    records.push_back(std::move(record));
  }
  WireWriter out;
  // messageBytes allows for each record's framing; 61 is the batch header.
  out.buffer().reserve(61 + static_cast<size_t>(bytes));
  encodeRecordBatch(batch, records, Compression::kNone, out);
  return std::move(out.buffer());
}

}  // namespace

KafkaReply handleKafkaFetch(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<FetchRequest>(request.body, version);
  BrokerContext& broker = request.broker;

  rpc::FetchRequest fetch;
  fetch.header.client_id = request.clientId();
  for (const auto& topic : decoded.topics) {
    for (const auto& partition : topic.partitions) {
      rpc::FetchPartition wanted;
      wanted.topic = topic.topic;
      wanted.partition = partition.partition;
      wanted.offset = partition.fetch_offset;
      // The Thrift path counts key + value bytes; at least one message comes back anyway.
      wanted.max_bytes = std::clamp(partition.partition_max_bytes, 1, kMaxFetchBytes);
      wanted.max_messages = request.session.fetch_sizing.maxMessages(
          topic.topic, partition.partition, wanted.max_bytes);
      fetch.partitions.push_back(std::move(wanted));
    }
  }

  FetchResponse response;
  KafkaReply reply;
  FetchAnswer served;
  std::optional<rpc::MqError> whole;
  if (!fetch.partitions.empty()) {
    try {
      if (broker.shutting_down) {
        throwError(rpc::ErrorCode::SHUTTING_DOWN, "broker is shutting down");
      }
      const Caller caller = request.authenticate();
      // min_bytes: the Thrift path answers as soon as any partition has data; ask again,
      // woken by appends through this broker (or every 50 ms for other brokers'), until
      // enough bytes are there or max_wait_ms is over.
      // Kafka clients have no log-divergence check: by default only durable rows go out.
      const FetchVisibility visibility = broker.config.kafka_fetch_visibility == "committed"
                                             ? FetchVisibility::kCommitted
                                             : FetchVisibility::kDurable;
      const auto deadline =
          SteadyClock::now() + std::chrono::milliseconds(std::max(0, decoded.max_wait_ms));
      while (true) {
        const uint64_t seen = broker.notifier.sequence();
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        fetch.max_wait_ms = static_cast<int32_t>(std::max<int64_t>(0, left.count()));
        served = handleFetch(broker, fetch, caller, visibility);
        if (resultBytes(served) >= decoded.min_bytes || SteadyClock::now() >= deadline ||
            broker.shutting_down) {
          break;
        }
        const auto rest =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        broker.notifier.waitFor(seen, std::min(rest, std::chrono::milliseconds(50)));
      }
      for (size_t i = 0; i < served.response.results.size(); ++i) {
        const auto& result = served.response.results[i];
        const SharedMessages& messages = served.messagesOf(i);
        int64_t bytes = 0;
        for (const auto& m : messages) bytes += m->key.size() + m->value.size();
        request.session.fetch_sizing.observe(result.topic, result.partition,
                                             static_cast<int64_t>(messages.size()), bytes);
      }
      reply.throttle_ms =
          broker.quotas.charge(QuotaEnforcer::fetchUsage(request.quotaClient(caller), served));
    } catch (const rpc::MqError& e) {
      whole = e;
    }
  }

  // max_bytes bounds the whole response; the first message is returned even when it alone
  // is larger (so that a consumer always progresses, as in Kafka).
  int64_t budget = decoded.max_bytes;
  bool any_returned = false;
  size_t index = 0;
  for (const auto& topic : decoded.topics) {
    FetchResponse::Topic out_topic;
    out_topic.topic = topic.topic;
    for (const auto& partition : topic.partitions) {
      FetchResponse::Partition out;
      out.partition_index = partition.partition;
      out.records = std::string();
      if (whole) {
        out.error_code = code(toKafkaError(whole->code));
      } else {
        const auto& result = served.response.results[index];
        const SharedMessages& messages = served.messagesOf(index);
        if (result.error != rpc::ErrorCode::NONE) {
          out.error_code = code(toKafkaError(result.error));
        } else {
          out.high_watermark = result.end_offset;
          out.last_stable_offset = result.end_offset;
          out.log_start_offset = result.start_offset;
          size_t count = 0;
          int64_t taken = 0;
          for (const auto& m : messages) {
            const int64_t bytes = messageBytes(*m);
            if (bytes > budget && any_returned) break;
            budget -= bytes;
            taken += bytes;
            any_returned = true;
            ++count;
          }
          if (count > 0) out.records = toRecords(messages, count, taken);
        }
      }
      ++index;
      out_topic.partitions.push_back(std::move(out));
    }
    response.responses.push_back(std::move(out_topic));
  }
  response.throttle_time_ms = static_cast<int32_t>(reply.throttle_ms);
  // Reserved whole: grown as it is written, the body (megabytes of records) would be copied
  // again at every doubling, into memory touched for the first time each time.
  size_t body_bytes = 64;
  for (const auto& topic : response.responses) {
    body_bytes += 16 + topic.topic.size();
    for (const auto& partition : topic.partitions) {
      body_bytes += 128 + (partition.records ? partition.records->size() : 0);
    }
  }
  WireWriter body;
  body.buffer().reserve(body_bytes);
  encodeMessage(response, version, body);
  reply.body = std::move(body.buffer());
  return reply;
}

}  // namespace mq::kafka
