// libFuzzer target: the Kafka front door's request decoding (broker/kafka/protocol). The
// input is one request frame as the listener reads it after the 4-byte size: the request
// header, then the body. It goes the listener's way (kafka_server.cc): header start, the API
// and version looked up, the rest of the header, then the body decoded with the API's message
// description, the record batches of a Produce (CRC-32C, every codec, decompression bounded
// as the handler bounds it) and the consumer-protocol bytes of JoinGroup and SyncGroup.
// Refusals are KafkaDecodeError and CompressionError. Checked besides: a decoded body encodes
// to bytes that decode again and encode to the same bytes (the codec reads what it writes).
// Anything else, a crash or a sanitizer report fails. The corpus in tests/fuzz/corpus/kafka
// holds frames captured from kcat and confluent-kafka sessions with a broker.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "broker/kafka/consumer_protocol.h"
#include "broker/kafka/protocol/api_keys.h"
#include "broker/kafka/protocol/compression.h"
#include "broker/kafka/protocol/headers.h"
#include "broker/kafka/protocol/messages/api_versions.h"
#include "broker/kafka/protocol/messages/create_partitions.h"
#include "broker/kafka/protocol/messages/create_topics.h"
#include "broker/kafka/protocol/messages/delete_groups.h"
#include "broker/kafka/protocol/messages/delete_topics.h"
#include "broker/kafka/protocol/messages/describe_cluster.h"
#include "broker/kafka/protocol/messages/describe_configs.h"
#include "broker/kafka/protocol/messages/describe_groups.h"
#include "broker/kafka/protocol/messages/fetch.h"
#include "broker/kafka/protocol/messages/find_coordinator.h"
#include "broker/kafka/protocol/messages/heartbeat.h"
#include "broker/kafka/protocol/messages/init_producer_id.h"
#include "broker/kafka/protocol/messages/join_group.h"
#include "broker/kafka/protocol/messages/leave_group.h"
#include "broker/kafka/protocol/messages/list_groups.h"
#include "broker/kafka/protocol/messages/list_offsets.h"
#include "broker/kafka/protocol/messages/metadata.h"
#include "broker/kafka/protocol/messages/offset_commit.h"
#include "broker/kafka/protocol/messages/offset_fetch.h"
#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/messages/sasl.h"
#include "broker/kafka/protocol/messages/sync_group.h"
#include "broker/kafka/protocol/record_batch.h"

namespace {

using namespace mq::kafka;

// Decodes `body`, then checks that what it decoded survives encode -> decode -> encode.
template <class Request>
Request decodeChecked(std::string_view body, int16_t version) {
  Request request = decodeMessage<Request>(body, version);
  const std::string once = encodeMessage(request, version);
  const std::string twice = encodeMessage(decodeMessage<Request>(once, version), version);
  if (once != twice) std::abort();  // the codec does not read what it writes
  return request;
}

void decodeProduce(std::string_view body, int16_t version) {
  const auto request = decodeChecked<ProduceRequest>(body, version);
  RecordBatchLimits limits;  // what the Produce handler allows for a small broker
  limits.max_uncompressed_bytes = 4 << 20;
  limits.max_records = 100000;
  for (const auto& topic : request.topics) {
    for (const auto& partition : topic.partitions) {
      if (!partition.records) continue;
      try {
        decodeRecordBatches(*partition.records, limits);
      } catch (const KafkaDecodeError&) {
      } catch (const CompressionError&) {
      }
    }
  }
}

void decodeJoinGroup(std::string_view body, int16_t version) {
  for (const auto& protocol : decodeChecked<JoinGroupRequest>(body, version).protocols) {
    try {
      decodeSubscription(protocol.metadata);
    } catch (const KafkaDecodeError&) {
    }
  }
}

void decodeSyncGroup(std::string_view body, int16_t version) {
  for (const auto& assignment : decodeChecked<SyncGroupRequest>(body, version).assignments) {
    try {
      decodeAssignment(assignment.assignment);
    } catch (const KafkaDecodeError&) {
    }
  }
}

void decodeBody(ApiKey key, std::string_view body, int16_t version) {
  switch (key) {
    case ApiKey::kProduce:
      return decodeProduce(body, version);
    case ApiKey::kFetch:
      return (void)decodeChecked<FetchRequest>(body, version);
    case ApiKey::kListOffsets:
      return (void)decodeChecked<ListOffsetsRequest>(body, version);
    case ApiKey::kMetadata:
      return (void)decodeChecked<MetadataRequest>(body, version);
    case ApiKey::kOffsetCommit:
      return (void)decodeChecked<OffsetCommitRequest>(body, version);
    case ApiKey::kOffsetFetch:
      return (void)decodeChecked<OffsetFetchRequest>(body, version);
    case ApiKey::kFindCoordinator:
      return (void)decodeChecked<FindCoordinatorRequest>(body, version);
    case ApiKey::kJoinGroup:
      return decodeJoinGroup(body, version);
    case ApiKey::kHeartbeat:
      return (void)decodeChecked<HeartbeatRequest>(body, version);
    case ApiKey::kLeaveGroup:
      return (void)decodeChecked<LeaveGroupRequest>(body, version);
    case ApiKey::kSyncGroup:
      return decodeSyncGroup(body, version);
    case ApiKey::kDescribeGroups:
      return (void)decodeChecked<DescribeGroupsRequest>(body, version);
    case ApiKey::kListGroups:
      return (void)decodeChecked<ListGroupsRequest>(body, version);
    case ApiKey::kSaslHandshake:
      return (void)decodeChecked<SaslHandshakeRequest>(body, version);
    case ApiKey::kApiVersions:
      return (void)decodeChecked<ApiVersionsRequest>(body, version);
    case ApiKey::kCreateTopics:
      return (void)decodeChecked<CreateTopicsRequest>(body, version);
    case ApiKey::kDeleteTopics:
      return (void)decodeChecked<DeleteTopicsRequest>(body, version);
    case ApiKey::kInitProducerId:
      return (void)decodeChecked<InitProducerIdRequest>(body, version);
    case ApiKey::kDescribeConfigs:
      return (void)decodeChecked<DescribeConfigsRequest>(body, version);
    case ApiKey::kSaslAuthenticate:
      return (void)decodeChecked<SaslAuthenticateRequest>(body, version);
    case ApiKey::kCreatePartitions:
      return (void)decodeChecked<CreatePartitionsRequest>(body, version);
    case ApiKey::kDeleteGroups:
      return (void)decodeChecked<DeleteGroupsRequest>(body, version);
    case ApiKey::kDescribeCluster:
      return (void)decodeChecked<DescribeClusterRequest>(body, version);
  }
  std::abort();  // an API listed as spoken that this target does not decode: add it above
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;  // the listener closes shorter frames before reading them
  const std::string frame(reinterpret_cast<const char*>(data), size);
  try {
    WireReader in(frame);
    RequestHeader header = readHeaderStart(in);
    const auto api = findApi(header.api_key);
    if (!api || header.api_version < api->min_version || header.api_version > api->max_version) {
      return 0;  // answered UNSUPPORTED_VERSION without reading the body
    }
    readHeaderRest(in, header.api_version >= api->flexible_from, header);
    decodeBody(api->key, std::string_view(frame).substr(in.position()), header.api_version);
  } catch (const KafkaDecodeError&) {
  }
  return 0;
}
