// Topic naming and size rules, checked by the metaserver on create, by the Kafka door's
// CreateTopics and CreatePartitions (validate_only) and by clients before sending; and the
// rule for cluster names (docs/multi-cluster.md).
#pragma once

#include <optional>
#include <string>

namespace mq {

inline constexpr size_t kMaxTopicNameLength = 200;
inline constexpr int kMaxPartitions = 1024;  // partitions of one topic

// Returns what is wrong with `name`, or nullopt when it is a valid topic name:
// 1 to 200 characters from [A-Za-z0-9._-], not "." or "..".
std::optional<std::string> topicNameProblem(const std::string& name);

// Returns what is wrong with a topic of `partitions` partitions in all (1..kMaxPartitions),
// or nullopt.
std::optional<std::string> partitionCountProblem(int partitions);

// True when `name` can name a cluster: 1..64 characters from [A-Za-z0-9._-].
bool validClusterName(const std::string& name);

}  // namespace mq
