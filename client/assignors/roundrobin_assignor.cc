// roundrobin: all partitions of all subscribed topics, in (topic, partition) order, dealt
// to the members in turn, skipping members not subscribed to the partition's topic.
// Balanced across topics when subscriptions are equal.
#include "client/assignors/assignor.h"

namespace mq::client {
namespace {

class RoundRobinAssignor : public PartitionAssignor {
 public:
  const char* name() const override { return "roundrobin"; }
  RebalanceProtocol protocol() const override { return RebalanceProtocol::kEager; }
  bool usesOwnedPartitions() const override { return false; }

  GroupAssignment assign(const PartitionCounts& counts,
                         const std::vector<AssignorMember>& members) const override {
    GroupAssignment assignment = emptyAssignment(members);
    const auto sorted = sortedMembers(members);
    if (sorted.empty()) return assignment;
    size_t next = 0;
    for (const auto& [topic, count] : counts) {
      for (int partition = 0; partition < count; ++partition) {
        for (size_t tried = 0; tried < sorted.size(); ++tried) {
          const AssignorMember* member = sorted[next];
          next = (next + 1) % sorted.size();
          if (subscribes(*member, topic)) {
            assignment[member->member_id].push_back(TopicPartition{topic, partition});
            break;
          }
        }
      }
    }
    return assignment;
  }
};

}  // namespace

std::unique_ptr<PartitionAssignor> makeRoundRobinAssignor() {
  return std::make_unique<RoundRobinAssignor>();
}

}  // namespace mq::client
