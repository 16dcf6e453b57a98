// The assignor registry and the helpers every assignor shares.
#include "client/assignors/assignor.h"

#include <algorithm>

namespace mq::client {

std::unique_ptr<PartitionAssignor> makeAssignor(const std::string& name) {
  if (name == "range") return makeRangeAssignor();
  if (name == "roundrobin") return makeRoundRobinAssignor();
  if (name == "sticky") return makeStickyAssignor();
  if (name == "cooperative-sticky") return makeCooperativeStickyAssignor();
  return nullptr;
}

std::vector<std::string> knownAssignors() {
  return {"cooperative-sticky", "sticky", "range", "roundrobin"};
}

std::vector<const AssignorMember*> sortedMembers(const std::vector<AssignorMember>& members) {
  std::vector<const AssignorMember*> sorted;
  for (const auto& member : members) sorted.push_back(&member);
  std::sort(sorted.begin(), sorted.end(), [](const AssignorMember* a, const AssignorMember* b) {
    // Static members first, by instance id (a restarted static member gets a new member id
    // but must keep its place); then dynamic members by member id.
    if (a->instance_id.has_value() != b->instance_id.has_value()) return a->instance_id.has_value();
    if (a->instance_id && *a->instance_id != *b->instance_id)
      return *a->instance_id < *b->instance_id;
    return a->member_id < b->member_id;
  });
  return sorted;
}

GroupAssignment emptyAssignment(const std::vector<AssignorMember>& members) {
  GroupAssignment assignment;
  for (const auto& member : members) assignment[member.member_id];
  return assignment;
}

bool subscribes(const AssignorMember& member, const std::string& topic) {
  return std::find(member.topics.begin(), member.topics.end(), topic) != member.topics.end();
}

}  // namespace mq::client
