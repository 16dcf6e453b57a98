// range: per topic, the members subscribed to it (in stable order) get consecutive ranges
// of its partitions; the first `count % members` get one more. Co-partitioned topics line
// up (member i gets partition p of every topic), at the price of imbalance across topics.
#include "client/assignors/assignor.h"

namespace mq::client {
namespace {

class RangeAssignor : public PartitionAssignor {
 public:
  const char* name() const override { return "range"; }
  RebalanceProtocol protocol() const override { return RebalanceProtocol::kEager; }
  bool usesOwnedPartitions() const override { return false; }

  GroupAssignment assign(const PartitionCounts& counts,
                         const std::vector<AssignorMember>& members) const override {
    GroupAssignment assignment = emptyAssignment(members);
    const auto sorted = sortedMembers(members);
    for (const auto& [topic, count] : counts) {
      std::vector<const AssignorMember*> subscribed;
      for (const auto* member : sorted) {
        if (subscribes(*member, topic)) subscribed.push_back(member);
      }
      if (subscribed.empty()) continue;
      const int n = static_cast<int>(subscribed.size());
      int next = 0;
      for (int i = 0; i < n; ++i) {
        const int take = count / n + (i < count % n ? 1 : 0);
        auto& partitions = assignment[subscribed[i]->member_id];
        for (int k = 0; k < take; ++k) partitions.push_back(TopicPartition{topic, next++});
      }
    }
    return assignment;
  }
};

}  // namespace

std::unique_ptr<PartitionAssignor> makeRangeAssignor() { return std::make_unique<RangeAssignor>(); }

}  // namespace mq::client
