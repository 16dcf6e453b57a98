// TargetTail: the mirror's checkpoint read back from the target. On taking a source partition
// over, the mirror reads the target partition backwards from its end, a window at a time, to
// the last copy of that source partition (provenance headers naming the source cluster, topic
// and partition) and resumes right after its source offset. Nothing else stores the mirror's
// progress, so a copy acknowledged just before a kill -9 is never written again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mq/client.h"

namespace mq::mirror {

struct LastCopy {
  int64_t source_offset = 0;  // the copied message's offset on the source
  int64_t target_offset = 0;  // where the copy is
};

class TargetTail {
 public:
  // `target` reaches the target cluster. window: messages read per step backwards.
  TargetTail(const client::ClientConfig& target, int window = 1000);
  ~TargetTail();

  // The last copy in partition `partition` of the target topic of the same name that came
  // from `source_cluster`'s same topic and partition, or nullopt when there is none (scans
  // back to the earliest stored offset). Throws the client's errors.
  std::optional<LastCopy> find(const std::string& source_cluster,
                               const client::TopicPartition& partition);

 private:
  client::AdminClient admin_;
  client::Consumer consumer_;
  int window_;
};

}  // namespace mq::mirror
