#include "broker/group/group_state.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace mq {
namespace {

std::vector<std::string> protocolNames(const std::vector<rpc::GroupProtocol>& protocols) {
  std::vector<std::string> names;
  for (const auto& p : protocols) names.push_back(p.name);
  return names;
}

GroupError error(ErrorCode code, std::string message) {
  return GroupError{code, std::move(message)};
}

// Whether a restarted static member subscribes as before: the same assignors in the same
// order, each with the same topics. Owned partitions and user data are left out: they
// change with every rebalance, and a restarted process owns nothing yet, so comparing them
// would turn every restart of a cooperative member into a rebalance.
bool sameSubscription(const std::vector<rpc::GroupProtocol>& a,
                      const std::vector<rpc::GroupProtocol>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name) return false;
    auto topics_a = a[i].subscription.topics;
    auto topics_b = b[i].subscription.topics;
    std::sort(topics_a.begin(), topics_a.end());
    std::sort(topics_b.begin(), topics_b.end());
    if (topics_a != topics_b) return false;
  }
  return true;
}

}  // namespace

void GroupStateMachine::removeMember(std::string member_id) {
  g_.members.erase(member_id);
  g_.removed.insert(member_id);
  if (g_.leader_id == member_id) g_.leader_id.clear();
  g_.dirty = true;
}

void GroupStateMachine::becomeEmptyIfNoMembers() {
  for (const auto& [id, m] : g_.members) {
    if (!m.pending) return;
  }
  if (g_.state == GroupStateName::kEmpty) return;
  // Bump the generation so that a zombie of the last generation cannot commit.
  g_.state = GroupStateName::kEmpty;
  ++g_.generation;
  g_.protocol.clear();
  g_.leader_id.clear();
  g_.dirty = true;
}

void GroupStateMachine::prepareRebalance() {
  int timeout = 0;
  for (auto& [id, m] : g_.members) {
    if (m.pending) continue;
    timeout = std::max(timeout, m.rebalance_timeout_ms);
    m.joined = false;
    m.dirty = true;
  }
  g_.state = GroupStateName::kPreparingRebalance;
  g_.rebalance_deadline_ms = now_ + timeout;
  g_.dirty = true;
}

std::vector<std::string> GroupStateMachine::expireMembers(int64_t database_started_ms) {
  std::vector<std::string> expired;
  bool lost_active = false;
  for (const auto& [id, m] : g_.members) {
    if (std::max(m.last_heartbeat_ms, database_started_ms) + m.session_timeout_ms < now_) {
      expired.push_back(id);
      lost_active = lost_active || !m.pending;
    }
  }
  for (const auto& id : expired) removeMember(id);
  if (lost_active) {
    becomeEmptyIfNoMembers();
    if (g_.state == GroupStateName::kStable || g_.state == GroupStateName::kCompletingRebalance) {
      prepareRebalance();
    }
  }
  return expired;
}

GroupError GroupStateMachine::checkMember(const std::string& member_id,
                                          const std::optional<std::string>& instance_id,
                                          bool allow_pending) {
  if (instance_id) {
    for (const auto& [id, m] : g_.members) {
      if (m.instance_id == instance_id && id != member_id) {
        return error(rpc::ErrorCode::FENCED_INSTANCE_ID,
                     fmt::format("instance `{}` of group `{}` is now member `{}`; this member "
                                 "was fenced by a newer process with the same instance id",
                                 *instance_id, g_.group_id, id));
      }
    }
  }
  auto it = g_.members.find(member_id);
  if (it == g_.members.end() || (it->second.pending && !allow_pending)) {
    return error(rpc::ErrorCode::UNKNOWN_MEMBER_ID,
                 fmt::format("member `{}` is not in group `{}` (session expired or left); "
                             "join again",
                             member_id, g_.group_id));
  }
  return {};
}

bool GroupStateMachine::protocolsCompatible(const std::vector<rpc::GroupProtocol>& offered,
                                            const std::string& joining_id) const {
  for (const auto& p : offered) {
    bool everyone = true;
    for (const auto& [id, m] : g_.members) {
      if (m.pending || id == joining_id) continue;
      auto names = protocolNames(m.protocols);
      if (std::find(names.begin(), names.end(), p.name) == names.end()) {
        everyone = false;
        break;
      }
    }
    if (everyone) return true;
  }
  return false;
}

std::string GroupStateMachine::chooseProtocol() const {
  // The leader's (or the first member's) most preferred assignor that all members support.
  const GroupMember* first = nullptr;
  auto leader = g_.members.find(g_.leader_id);
  if (leader != g_.members.end()) first = &leader->second;
  for (const auto& [id, m] : g_.members) {
    if (!first && !m.pending) first = &m;
  }
  if (!first) return "";
  for (const auto& p : first->protocols) {
    bool everyone = true;
    for (const auto& [id, m] : g_.members) {
      if (m.pending) continue;
      auto names = protocolNames(m.protocols);
      if (std::find(names.begin(), names.end(), p.name) == names.end()) everyone = false;
    }
    if (everyone) return p.name;
  }
  return first->protocols.empty() ? "" : first->protocols.front().name;
}

JoinStep GroupStateMachine::join(const rpc::JoinGroupRequest& request,
                                 const std::string& new_member_id) {
  JoinStep step;
  if (request.session_timeout_ms < kMinSessionTimeoutMs ||
      request.session_timeout_ms > kMaxSessionTimeoutMs) {
    step.error =
        error(rpc::ErrorCode::INVALID_REQUEST,
              fmt::format("session_timeout_ms {} out of range {}..{}", request.session_timeout_ms,
                          kMinSessionTimeoutMs, kMaxSessionTimeoutMs));
    return step;
  }
  if (request.rebalance_timeout_ms < 0 || request.rebalance_timeout_ms > kMaxRebalanceTimeoutMs) {
    step.error = error(rpc::ErrorCode::INVALID_REQUEST,
                       fmt::format("rebalance_timeout_ms {} out of range 0..{}",
                                   request.rebalance_timeout_ms, kMaxRebalanceTimeoutMs));
    return step;
  }
  if (request.protocols.empty()) {
    step.error = error(rpc::ErrorCode::INCONSISTENT_GROUP_PROTOCOL, "no assignor offered");
    return step;
  }
  if (!protocolsCompatible(request.protocols, request.member_id)) {
    step.error = error(rpc::ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                       fmt::format("none of the assignors [{}] is supported by every member "
                                   "of group `{}`",
                                   fmt::join(protocolNames(request.protocols), ", "), g_.group_id));
    return step;
  }

  auto fill = [&](GroupMember& m) {
    m.instance_id = request.__isset.group_instance_id
                        ? std::optional<std::string>(request.group_instance_id)
                        : std::nullopt;
    m.client_id = request.header.client_id;
    m.client_host = request.client_host;
    m.session_timeout_ms = request.session_timeout_ms;
    m.rebalance_timeout_ms =
        request.rebalance_timeout_ms > 0 ? request.rebalance_timeout_ms : m.session_timeout_ms;
    m.protocols = request.protocols;
    m.last_heartbeat_ms = now_;
    m.dirty = true;
  };

  std::string member_id = request.member_id;
  if (member_id.empty()) {
    if (!request.__isset.group_instance_id) {
      // Dynamic member, first join: issue an id and ask it to join again with it.
      GroupMember m;
      m.member_id = new_member_id;
      fill(m);
      m.pending = true;
      g_.members[new_member_id] = m;
      g_.dirty = true;
      step.member_id = new_member_id;
      step.member_id_required = true;
      step.error = error(rpc::ErrorCode::MEMBER_ID_REQUIRED, "join again with the member id");
      return step;
    }
    // Static member: a restart takes over its instance's slot under a new id; the old
    // process is fenced. In a Stable group with the same subscription, it gets its old
    // assignment back without a rebalance.
    auto old = std::find_if(g_.members.begin(), g_.members.end(), [&](const auto& entry) {
      return entry.second.instance_id == request.group_instance_id;
    });
    GroupMember m;
    bool same_subscription = false;
    if (old != g_.members.end()) {
      m = old->second;
      same_subscription = sameSubscription(m.protocols, request.protocols);
      const std::string old_id = old->first;
      bool was_leader = g_.leader_id == old_id;
      removeMember(old_id);
      if (was_leader) g_.leader_id = new_member_id;
    }
    m.member_id = new_member_id;
    fill(m);
    m.pending = false;
    g_.members[new_member_id] = m;
    g_.dirty = true;
    member_id = new_member_id;
    if (same_subscription && g_.state == GroupStateName::kStable) {
      step.member_id = new_member_id;
      step.response = currentGeneration(new_member_id);
      return step;
    }
  } else {
    // A pending member is joining with the id it was just issued.
    step.error = checkMember(member_id,
                             request.__isset.group_instance_id
                                 ? std::optional<std::string>(request.group_instance_id)
                                 : std::nullopt,
                             /*allow_pending=*/true);
    if (step.error) return step;
    GroupMember& existing = g_.members[member_id];
    const bool unchanged = !existing.pending && existing.protocols == request.protocols;
    fill(existing);
    // A member that joins again with the same subscription while the group is completing a
    // rebalance (or is stable and it is not the leader) lost its join response, e.g. its
    // broker died: give it the current generation instead of starting another rebalance.
    if (unchanged && (g_.state == GroupStateName::kCompletingRebalance ||
                      (g_.state == GroupStateName::kStable && member_id != g_.leader_id))) {
      step.member_id = member_id;
      step.response = currentGeneration(member_id);
      return step;
    }
  }

  GroupMember& m = g_.members[member_id];
  m.pending = false;
  if (g_.state != GroupStateName::kPreparingRebalance) prepareRebalance();
  m.joined = true;
  m.dirty = true;
  step.member_id = member_id;
  step.joined_generation = g_.generation;
  return step;
}

rpc::JoinGroupResponse GroupStateMachine::currentGeneration(const std::string& member_id) const {
  rpc::JoinGroupResponse response;
  response.error = rpc::ErrorCode::NONE;
  response.generation_id = g_.generation;
  response.protocol_name = g_.protocol;
  response.leader_id = g_.leader_id;
  response.member_id = member_id;
  if (g_.leader_id == member_id) response.members = activeMembers();
  return response;
}

std::vector<rpc::JoinGroupMember> GroupStateMachine::activeMembers() const {
  std::vector<rpc::JoinGroupMember> members;
  for (const auto& [id, m] : g_.members) {
    if (m.pending) continue;
    rpc::JoinGroupMember member;
    member.member_id = id;
    if (m.instance_id) member.__set_group_instance_id(*m.instance_id);
    for (const auto& p : m.protocols) {
      if (p.name == g_.protocol) member.subscription = p.subscription;
    }
    members.push_back(std::move(member));
  }
  return members;
}

bool GroupStateMachine::completeJoin() {
  if (g_.state != GroupStateName::kPreparingRebalance) return false;
  bool all_joined = true;
  for (const auto& [id, m] : g_.members) {
    if (!m.pending && !m.joined) all_joined = false;
  }
  if (!all_joined && now_ < g_.rebalance_deadline_ms) return false;
  std::vector<std::string> late;
  for (const auto& [id, m] : g_.members) {
    if (!m.pending && !m.joined) late.push_back(id);
  }
  for (const auto& id : late) removeMember(id);
  becomeEmptyIfNoMembers();
  if (g_.state == GroupStateName::kEmpty) return true;

  ++g_.generation;
  if (g_.members.count(g_.leader_id) == 0 || g_.members[g_.leader_id].pending) {
    g_.leader_id.clear();
    for (const auto& [id, m] : g_.members) {
      if (!m.pending) {
        g_.leader_id = id;
        break;
      }
    }
  }
  g_.protocol = chooseProtocol();
  g_.state = GroupStateName::kCompletingRebalance;
  for (auto& [id, m] : g_.members) {
    m.assignment.clear();
    m.dirty = true;
  }
  g_.dirty = true;
  return true;
}

std::optional<rpc::JoinGroupResponse> GroupStateMachine::joinResult(const std::string& member_id,
                                                                    int joined_generation) {
  rpc::JoinGroupResponse response;
  response.member_id = member_id;
  auto it = g_.members.find(member_id);
  if (it == g_.members.end()) {
    response.error = rpc::ErrorCode::UNKNOWN_MEMBER_ID;
    response.error_message = fmt::format(
        "member `{}` was removed from group `{}` (it did not join before the rebalance "
        "deadline, or its session expired)",
        member_id, g_.group_id);
    return response;
  }
  if (g_.generation <= joined_generation || g_.state == GroupStateName::kEmpty) {
    it->second.last_heartbeat_ms = now_;  // waiting in join keeps the session alive
    it->second.dirty = true;
    return std::nullopt;
  }
  return currentGeneration(member_id);
}

std::optional<rpc::SyncGroupResponse> GroupStateMachine::sync(
    const rpc::SyncGroupRequest& request) {
  rpc::SyncGroupResponse response;
  GroupError problem =
      checkMember(request.member_id, request.__isset.group_instance_id
                                         ? std::optional<std::string>(request.group_instance_id)
                                         : std::nullopt);
  if (!problem && request.generation_id != g_.generation) {
    problem = error(rpc::ErrorCode::ILLEGAL_GENERATION,
                    fmt::format("generation {} is not group `{}`'s current generation {}",
                                request.generation_id, g_.group_id, g_.generation));
  }
  if (!problem && g_.state == GroupStateName::kPreparingRebalance) {
    problem = error(rpc::ErrorCode::REBALANCE_IN_PROGRESS,
                    fmt::format("group `{}` is rebalancing; join again", g_.group_id));
  }
  if (problem) {
    response.error = problem.code;
    response.error_message = problem.message;
    return response;
  }
  GroupMember& self = g_.members[request.member_id];
  self.last_heartbeat_ms = now_;
  self.dirty = true;
  if (g_.state == GroupStateName::kCompletingRebalance) {
    if (request.member_id != g_.leader_id) return std::nullopt;  // wait for the leader
    for (auto& [id, m] : g_.members) {
      m.assignment.clear();
      m.dirty = true;
    }
    for (const auto& assignment : request.assignments) {
      auto it = g_.members.find(assignment.member_id);
      if (it != g_.members.end()) it->second.assignment = assignment.partitions;
    }
    g_.state = GroupStateName::kStable;
    g_.dirty = true;
  }
  response.error = rpc::ErrorCode::NONE;
  response.assignment = self.assignment;
  return response;
}

rpc::HeartbeatResponse GroupStateMachine::heartbeat(const rpc::HeartbeatRequest& request) {
  rpc::HeartbeatResponse response;
  response.error = rpc::ErrorCode::NONE;
  GroupError problem =
      checkMember(request.member_id, request.__isset.group_instance_id
                                         ? std::optional<std::string>(request.group_instance_id)
                                         : std::nullopt);
  if (!problem) {
    GroupMember& m = g_.members[request.member_id];
    m.last_heartbeat_ms = now_;
    m.dirty = true;
    if (g_.state == GroupStateName::kPreparingRebalance) {
      problem = error(rpc::ErrorCode::REBALANCE_IN_PROGRESS,
                      fmt::format("group `{}` is rebalancing; join again", g_.group_id));
    } else if (request.generation_id != g_.generation) {
      problem = error(rpc::ErrorCode::ILLEGAL_GENERATION,
                      fmt::format("generation {} is not group `{}`'s current generation {}",
                                  request.generation_id, g_.group_id, g_.generation));
    }
  }
  response.error = problem.code;
  response.error_message = problem.message;
  return response;
}

rpc::LeaveGroupResponse GroupStateMachine::leave(const rpc::LeaveGroupRequest& request) {
  rpc::LeaveGroupResponse response;
  std::string member_id = request.member_id;
  if (member_id.empty() && request.__isset.group_instance_id) {
    for (const auto& [id, m] : g_.members) {
      if (m.instance_id == request.group_instance_id) member_id = id;
    }
  }
  GroupError problem =
      checkMember(member_id, request.__isset.group_instance_id
                                 ? std::optional<std::string>(request.group_instance_id)
                                 : std::nullopt);
  response.error = problem.code;
  response.error_message = problem.message;
  if (problem) return response;
  removeMember(member_id);
  becomeEmptyIfNoMembers();
  if (g_.state == GroupStateName::kStable || g_.state == GroupStateName::kCompletingRebalance) {
    prepareRebalance();
  }
  return response;
}

GroupError GroupStateMachine::checkCommit(const rpc::CommitOffsetsRequest& request) {
  if (request.__isset.group_instance_id) {
    for (const auto& [id, m] : g_.members) {
      if (m.instance_id == request.group_instance_id && id != request.member_id) {
        return error(rpc::ErrorCode::FENCED_INSTANCE_ID,
                     fmt::format("instance `{}` is now member `{}`; this member was fenced",
                                 request.group_instance_id, id));
      }
    }
  }
  if (request.generation_id < 0) {
    int active = 0;
    for (const auto& [id, m] : g_.members) active += m.pending ? 0 : 1;
    if (active > 0) {
      return error(rpc::ErrorCode::GROUP_NOT_EMPTY,
                   fmt::format("group `{}` has {} active member(s); stop them before changing "
                               "its offsets",
                               g_.group_id, active));
    }
    return {};
  }
  auto it = g_.members.find(request.member_id);
  if (it == g_.members.end() || it->second.pending) {
    return error(rpc::ErrorCode::UNKNOWN_MEMBER_ID,
                 fmt::format("member `{}` is not in group `{}`", request.member_id, g_.group_id));
  }
  if (request.generation_id != g_.generation) {
    return error(rpc::ErrorCode::ILLEGAL_GENERATION,
                 fmt::format("commit from generation {} refused: group `{}` is at generation {}",
                             request.generation_id, g_.group_id, g_.generation));
  }
  if (g_.state == GroupStateName::kCompletingRebalance) {
    return error(rpc::ErrorCode::REBALANCE_IN_PROGRESS,
                 fmt::format("group `{}` is completing a rebalance", g_.group_id));
  }
  return {};
}

}  // namespace mq
