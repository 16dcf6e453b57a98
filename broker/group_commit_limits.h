// How a datanode's group commits are sized (broker/datanode_writer.h); the broker options
// append-groups, busy-append-groups and append-overlap-bytes.
#pragma once

#include <cstdint>

namespace mq {

struct GroupCommitLimits {
  int64_t max_group_bytes = 4 << 20;  // batches of one group (a larger single batch goes alone)
  int groups = 2;                     // groups running at once ...
  int busy_groups = 4;                // ... and while max_group_bytes / 4 or more queue
  // A group starts beside a running one only while this many bytes queue: smaller batches
  // wait for the running group and go together in the next (0: always up to `groups`).
  int64_t overlap_bytes = 32 << 10;
};

}  // namespace mq
