// The Kafka APIs this broker speaks and the versions of each: the one table ApiVersions
// answers from and the server checks every request against (docs/kafka.md lists it). An API
// or version outside it is answered UNSUPPORTED_VERSION.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace mq::kafka {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kInitProducerId = 22,
  kDescribeConfigs = 32,
  kSaslAuthenticate = 36,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kDescribeCluster = 60,
};

struct ApiSupport {
  ApiKey key;
  const char* name;
  int16_t min_version;
  int16_t max_version;
  int16_t flexible_from;  // first flexible version (request header v2, response header v1)
  // The lowest version ApiVersions lists: min_version, except Produce, listed from 0 (v0-v2
  // are answered UNSUPPORTED_VERSION). librdkafka before 2.8 (Debian's 2.0.2) compresses
  // gzip, snappy and lz4 batches only for a broker that lists Produce v0, and otherwise sends
  // them uncompressed ("Broker does not support compression type", librdkafka issue #4956);
  // Kafka brokers before 4.0 list it.
  int16_t listed_min_version;
};

// Every supported API, by key.
const std::vector<ApiSupport>& supportedApis();
// The API's entry, or nullopt when this broker does not speak it.
std::optional<ApiSupport> findApi(int16_t api_key);
// Whether requests of this API and version use the flexible (v2) request header. For an API
// that is not supported: false (its body is not read).
bool usesFlexibleHeader(int16_t api_key, int16_t api_version);

}  // namespace mq::kafka
