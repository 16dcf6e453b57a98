// What one lag collector cycle found: per group, per partition, the log end, the committed
// offset, the lag in messages and seconds, the consume rate and the status; and the bounds
// of every partition. Plain values: the collector publishes a new immutable snapshot each
// cycle and readers (/metrics, the HTTP API, alert evaluation) share it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "metaserver/lag/lag_status.h"

namespace mq {

struct PartitionLag {
  std::string topic;
  int partition = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;
  int64_t committed_offset = -1;  // -1: nothing committed
  int64_t committed_ms = 0;
  // end_offset - max(committed_offset, start_offset), at least 0; without a commit,
  // end_offset - start_offset (everything stored is still to be consumed).
  int64_t lag = 0;
  // now - append time of the first unconsumed message; 0 when lag is 0.
  double lag_seconds = 0;
  double consume_rate = 0;  // messages per second across the commit window; 0 once idle
                            // (currentConsumeRate)
  LagStatus status = LagStatus::kOk;
  std::string reason;
};

struct GroupLag {
  std::string group;
  std::string state;  // the coordinator's state; "" when the group has only offsets
  int members = 0;
  LagStatus status = LagStatus::kOk;
  std::string reason;
  int64_t total_lag = 0;
  double max_lag_seconds = 0;
  std::vector<PartitionLag> partitions;  // by topic, then partition
};

struct PartitionEnds {
  std::string topic;
  int partition = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;
};

struct LagSnapshot {
  int64_t collected_ms = 0;
  double cycle_seconds = 0;
  int queries = 0;                                 // SQL statements the cycle ran
  std::map<std::string, GroupLag> groups;          // by group id
  std::vector<PartitionEnds> partitions;           // every partition whose datanode answered
  std::vector<std::string> unavailable_datanodes;  // names; their partitions are missing
};

}  // namespace mq
