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
};

// Every supported API, by key.
const std::vector<ApiSupport>& supportedApis();
// The API's entry, or nullopt when this broker does not speak it.
std::optional<ApiSupport> findApi(int16_t api_key);
// Whether requests of this API and version use the flexible (v2) request header. For an API
// that is not supported: false (its body is not read).
bool usesFlexibleHeader(int16_t api_key, int16_t api_version);

}  // namespace mq::kafka
