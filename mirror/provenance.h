// Provenance headers: what mq-mirror adds to every message it copies, and the loop rule that
// reads them (docs/multi-cluster.md).
//
//   mq-mirror-origin            the cluster the message was first produced in (set at the
//                               first hop, kept by every later one)
//   mq-mirror-source-cluster    the cluster, topic, partition and offset this copy was read
//   mq-mirror-source-topic      from (the last hop; each hop overwrites them)
//   mq-mirror-source-partition
//   mq-mirror-source-offset
//
// The source-* headers are also the mirror's checkpoint: on taking a partition over, it reads
// the target partition back from its tail to the last copy of that source partition and
// resumes right after its source offset (target_tail.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mq/client.h"

namespace mq::mirror {

inline constexpr const char* kOriginHeader = "mq-mirror-origin";
inline constexpr const char* kSourceClusterHeader = "mq-mirror-source-cluster";
inline constexpr const char* kSourceTopicHeader = "mq-mirror-source-topic";
inline constexpr const char* kSourcePartitionHeader = "mq-mirror-source-partition";
inline constexpr const char* kSourceOffsetHeader = "mq-mirror-source-offset";

// Where a copy came from, as its source-* headers say.
struct Provenance {
  std::string cluster;
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
};

// The message's provenance, or nullopt when it has no complete, well-formed source-* headers
// (it was not written by a mirror).
std::optional<Provenance> readProvenance(const client::Headers& headers);

// The headers of the copy of `message` (read from `source_cluster`): its own headers, the
// origin kept or set to source_cluster, the source-* headers set to the message's place.
client::Headers stampProvenance(const client::ConsumedMessage& message,
                                const std::string& source_cluster);

// True when copying `headers`' message into `target_cluster` would close a loop: it was
// produced there, or it was copied from there.
bool cameFrom(const client::Headers& headers, const std::string& target_cluster);

}  // namespace mq::mirror
