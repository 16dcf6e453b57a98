// Partition assignors: how the group leader splits the partitions of the subscribed topics
// among the members. Pure functions of the members' subscriptions and the partition counts;
// no I/O, so they are unit-tested on their own (client/tests/assignor_test.cc).
//
// Every member lists the assignors it supports in preference order; the coordinator picks
// the first one all members support and the leader runs it. An assignor's protocol says
// how members give partitions up:
//   eager        every member revokes everything before it rejoins (stop-the-world);
//   cooperative  a member keeps its partitions while rejoining; the assignor never hands a
//                partition owned by one member to another in the same rebalance, so a
//                partition moves in two rebalances: taken from its owner (who revokes just
//                it and rejoins), then given to its new member.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mq/client.h"

namespace mq::client {

enum class RebalanceProtocol { kEager, kCooperative };

// One member as the leader sees it in the JoinGroup response.
struct AssignorMember {
  std::string member_id;
  std::optional<std::string> instance_id;  // static members sort by it: stable across restarts
  std::vector<std::string> topics;         // subscription
  std::vector<TopicPartition> owned;       // currently (cooperative) or previously owned
};

// Member id -> its partitions (sorted). Every member given to assign() has an entry, maybe
// empty.
using GroupAssignment = std::map<std::string, std::vector<TopicPartition>>;

// Topic -> partition count. A subscribed topic missing here (unknown) has no partitions.
using PartitionCounts = std::map<std::string, int>;

class PartitionAssignor {
 public:
  virtual ~PartitionAssignor() = default;
  // The protocol name on the wire: "range", "roundrobin", "sticky", "cooperative-sticky".
  virtual const char* name() const = 0;
  virtual RebalanceProtocol protocol() const = 0;
  // Whether members report their owned (or, for eager sticky, previously owned)
  // partitions in their subscription.
  virtual bool usesOwnedPartitions() const = 0;
  // Assigns every partition of a topic that some member subscribes to, only to members
  // subscribed to its topic. Deterministic: the same input gives the same output.
  virtual GroupAssignment assign(const PartitionCounts& counts,
                                 const std::vector<AssignorMember>& members) const = 0;
};

// The assignor named `name`, or nullptr for an unknown name.
std::unique_ptr<PartitionAssignor> makeAssignor(const std::string& name);
// Every known name, in the order of the default preference list's spirit.
std::vector<std::string> knownAssignors();

std::unique_ptr<PartitionAssignor> makeRangeAssignor();
std::unique_ptr<PartitionAssignor> makeRoundRobinAssignor();
std::unique_ptr<PartitionAssignor> makeStickyAssignor();
std::unique_ptr<PartitionAssignor> makeCooperativeStickyAssignor();

// Shared by the assignors: members in a stable order (static members by instance id, then
// dynamic members by member id), so that assignments do not depend on join order.
std::vector<const AssignorMember*> sortedMembers(const std::vector<AssignorMember>& members);
// An entry, possibly empty, for every member.
GroupAssignment emptyAssignment(const std::vector<AssignorMember>& members);
bool subscribes(const AssignorMember& member, const std::string& topic);

}  // namespace mq::client
