#include "broker/kafka/handlers/list_offsets.h"

#include "broker/handlers/list_offsets_handler.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/list_offsets.h"

namespace mq::kafka {

KafkaReply handleKafkaListOffsets(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<ListOffsetsRequest>(request.body, version);

  rpc::ListOffsetsRequest list;
  list.header.client_id = request.clientId();
  std::vector<int16_t> early_errors;  // per partition, before delegating
  for (const auto& topic : decoded.topics) {
    for (const auto& partition : topic.partitions) {
      rpc::ListOffsetsPartition wanted;
      wanted.topic = topic.name;
      wanted.partition = partition.partition_index;
      int16_t error = 0;
      if (partition.timestamp == kLatestTimestamp) {
        wanted.spec = rpc::OffsetSpec::LATEST;
      } else if (partition.timestamp == kEarliestTimestamp) {
        wanted.spec = rpc::OffsetSpec::EARLIEST;
      } else if (partition.timestamp >= 0) {
        wanted.spec = rpc::OffsetSpec::TIMESTAMP;
        wanted.timestamp_ms = partition.timestamp;
      } else {
        error = code(KafkaError::kInvalidRequest);  // e.g. -3 (max timestamp, v7+)
        wanted.spec = rpc::OffsetSpec::LATEST;
      }
      early_errors.push_back(error);
      list.partitions.push_back(std::move(wanted));
    }
  }

  rpc::ListOffsetsResponse served;
  std::optional<rpc::MqError> whole;
  if (!list.partitions.empty()) {
    try {
      const Caller caller = request.authenticate();
      served = handleListOffsets(request.broker, list, caller);
    } catch (const rpc::MqError& e) {
      whole = e;
    }
  }

  ListOffsetsResponse response;
  size_t index = 0;
  for (const auto& topic : decoded.topics) {
    ListOffsetsResponse::Topic out_topic;
    out_topic.name = topic.name;
    for (const auto& partition : topic.partitions) {
      ListOffsetsResponse::Partition out;
      out.partition_index = partition.partition_index;
      if (early_errors[index] != 0) {
        out.error_code = early_errors[index];
      } else if (whole) {
        out.error_code = code(toKafkaError(whole->code));
      } else {
        const auto& result = served.results[index];
        if (result.error != rpc::ErrorCode::NONE) {
          out.error_code = code(toKafkaError(result.error));
        } else if (list.partitions[index].spec == rpc::OffsetSpec::TIMESTAMP &&
                   result.offset >= result.end_offset) {
          // Nothing appended at or after the timestamp: Kafka answers offset -1.
          out.offset = -1;
        } else {
          out.offset = result.offset;
        }
      }
      ++index;
      out_topic.partitions.push_back(out);
    }
    response.topics.push_back(std::move(out_topic));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
