// Offset-translation checkpoints (docs/multi-cluster.md): a mirror writes, into the TARGET
// cluster's topic mq-mirror.checkpoints (one partition), where a consumer group of the source
// should continue on the target: (source cluster, group, topic, partition, committed source
// offset) -> target offset. `mqctl group translate-offsets` reads them back, newest per
// partition, so the group can move even when the source cluster is gone.
//
// A checkpoint is carried in headers (mq-checkpoint-*); the value is a readable summary.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "mq/client.h"

namespace mq::mirror {

inline constexpr const char* kCheckpointTopic = "mq-mirror.checkpoints";

struct Checkpoint {
  std::string source_cluster;
  std::string group;
  std::string topic;  // the same name on both clusters
  int partition = 0;
  int64_t source_offset = 0;  // the group's committed offset on the source
  int64_t target_offset = 0;  // where it continues on the target (OffsetHistory::translate)
  int64_t time_ms = 0;        // when the mirror wrote it
};

// The record that stores `checkpoint` (partition 0 of kCheckpointTopic).
client::ProducerRecord checkpointRecord(const Checkpoint& checkpoint);
// The checkpoint a message of kCheckpointTopic carries, or nullopt when it is not one.
std::optional<Checkpoint> readCheckpoint(const client::ConsumedMessage& message);

// Reads kCheckpointTopic of the cluster `target` reaches, from its earliest stored offset to
// its end, and returns the newest checkpoint of `group` copied from `source_cluster`, per
// partition. Throws Error(UNKNOWN_TOPIC) when the cluster has no checkpoint topic (no mirror
// ever wrote into it), or the client's errors.
std::map<client::TopicPartition, Checkpoint> latestCheckpoints(const client::ClientConfig& target,
                                                               const std::string& source_cluster,
                                                               const std::string& group);

}  // namespace mq::mirror
