// The balanced, owner-keeping assignment shared by "sticky" (eager) and
// "cooperative-sticky".
#pragma once

#include <map>

#include "client/assignors/assignor.h"

namespace mq::client {

// Who owns each partition according to the members' subscriptions: a member's claim
// counts only if the partition exists and the member still subscribes to its topic; if two
// members claim one partition (a zombie's stale claim), the first in sortedMembers order
// keeps it.
std::map<TopicPartition, std::string> currentOwners(const PartitionCounts& counts,
                                                    const std::vector<AssignorMember>& members);

// Every partition of a subscribed topic goes to a subscribed member such that member loads
// differ by at most one wherever subscriptions allow, moving as few owned partitions as
// possible: owners keep their partitions, unowned ones go to the least-loaded eligible
// member, and then partitions move from the most- to the least-loaded member (newly
// placed ones first, then the highest-numbered) until no move improves the balance.
GroupAssignment stickyAssignment(const PartitionCounts& counts,
                                 const std::vector<AssignorMember>& members);

}  // namespace mq::client
