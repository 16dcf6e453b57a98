// How a datanode's group commits are sized (broker/datanode_writer.h); the broker options
// append-groups, busy-append-groups, append-overlap-bytes and append-gather-us.
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
  // How long the next group may wait for the callers the last one answered, in µs
  // (broker/group_gather.h; 0: never).
  int gather_us = 1000;
};

}  // namespace mq
