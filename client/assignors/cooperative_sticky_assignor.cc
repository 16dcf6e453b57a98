// cooperative-sticky: the sticky assignment, applied incrementally. A partition whose
// target member differs from its current owner is, in this rebalance, assigned to nobody:
// the owner sees it missing from its assignment, revokes just it (committing first) and
// rejoins, and in the next rebalance the partition is unowned and placed. Partitions that
// do not move are consumed throughout; no partition ever has two owners.
#include <algorithm>

#include "client/assignors/sticky_assignor.h"

namespace mq::client {
namespace {

class CooperativeStickyAssignor : public PartitionAssignor {
 public:
  const char* name() const override { return "cooperative-sticky"; }
  RebalanceProtocol protocol() const override { return RebalanceProtocol::kCooperative; }
  bool usesOwnedPartitions() const override { return true; }

  GroupAssignment assign(const PartitionCounts& counts,
                         const std::vector<AssignorMember>& members) const override {
    GroupAssignment target = stickyAssignment(counts, members);
    const auto owners = currentOwners(counts, members);
    for (auto& [member_id, partitions] : target) {
      partitions.erase(std::remove_if(partitions.begin(), partitions.end(),
                                      [&, &member_id = member_id](const TopicPartition& tp) {
                                        auto owner = owners.find(tp);
                                        return owner != owners.end() && owner->second != member_id;
                                      }),
                       partitions.end());
    }
    return target;
  }
};

}  // namespace

std::unique_ptr<PartitionAssignor> makeCooperativeStickyAssignor() {
  return std::make_unique<CooperativeStickyAssignor>();
}

}  // namespace mq::client
