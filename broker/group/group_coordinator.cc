#include "broker/group/group_coordinator.h"

#include <cppconn/exception.h>
#include <fmt/format.h>

#include <random>

#include "common/clock.h"
#include "common/log.h"

namespace mq {
namespace {

std::string newMemberId(const std::string& client_id) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{}-{:016x}", client_id.empty() ? "member" : client_id.substr(0, 64),
                     random());
}

template <typename Response>
Response failure(ErrorCode code, std::string message) {
  Response response;
  response.error = code;
  response.error_message = std::move(message);
  return response;
}

constexpr auto kMaxBackoff = std::chrono::milliseconds(200);

}  // namespace

void validateGroupId(const std::string& group_id) {
  if (group_id.empty() || group_id.size() > 255) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("group id must be 1 to 255 characters (got {})", group_id.size()));
  }
}

GroupCoordinator::GroupCoordinator(GroupDatabase& database, TopologyCache& topology,
                                   std::atomic<bool>& shutting_down)
    : database_(database), topology_(topology), shutting_down_(shutting_down) {}

template <typename Response, typename Call>
Response GroupCoordinator::guarded(Call&& call) {
  try {
    return call();
  } catch (const rpc::MqError& e) {
    if (e.code != rpc::ErrorCode::METADATA_UNAVAILABLE) throw;
    return failure<Response>(e.code, e.message);
  } catch (const sql::SQLException& e) {
    if (!isTransientDbError(e)) throw;
    return failure<Response>(
        rpc::ErrorCode::METADATA_UNAVAILABLE,
        fmt::format("the metadata database is busy ({}); members keep their partitions", e.what()));
  }
}

bool GroupCoordinator::waitForChange(uint64_t& seen, std::chrono::milliseconds& backoff,
                                     SteadyClock::time_point deadline) {
  auto now = SteadyClock::now();
  if (now >= deadline || shutting_down_) return false;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  uint64_t next = changes_.waitFor(seen, std::min(backoff, remaining));
  if (next == seen) backoff = std::min(backoff * 2, kMaxBackoff);
  seen = next;
  ++wait_polls_;
  return !shutting_down_;
}

rpc::JoinGroupResponse GroupCoordinator::join(const rpc::JoinGroupRequest& request) {
  validateGroupId(request.group_id);
  return guarded<rpc::JoinGroupResponse>([&]() -> rpc::JoinGroupResponse {
    const std::string new_id = newMemberId(request.header.client_id);
    JoinStep step;
    uint64_t seen = changes_.sequence();
    database_.mutate(request.group_id, true, [&](GroupState& group, DbConnection& db) {
      GroupStateMachine machine(group, nowMs());
      machine.expireMembers(db.serverStartedMs());
      step = machine.join(request, new_id);
      if (step.error || step.response) return;
      machine.completeJoin();
      step.response = machine.joinResult(step.member_id, step.joined_generation);
    });
    changes_.notify();
    if (step.error) {
      auto response = failure<rpc::JoinGroupResponse>(step.error.code, step.error.message);
      response.member_id = step.member_id;
      return response;
    }
    // The barrier: wait until every member joined or the rebalance deadline passed.
    auto deadline = SteadyClock::now() +
                    std::chrono::milliseconds(
                        std::max(request.rebalance_timeout_ms, request.session_timeout_ms) + 5000);
    auto backoff = std::chrono::milliseconds(5);
    while (!step.response) {
      if (!waitForChange(seen, backoff, deadline)) {
        return failure<rpc::JoinGroupResponse>(
            rpc::ErrorCode::COORDINATOR_NOT_AVAILABLE,
            "join did not complete here (broker shutting down or barrier overdue); join again");
      }
      bool moved = false;
      database_.mutate(request.group_id, false, [&](GroupState& group, DbConnection& db) {
        GroupStateMachine machine(group, nowMs());
        if (!group.exists) {
          step.response = failure<rpc::JoinGroupResponse>(rpc::ErrorCode::UNKNOWN_MEMBER_ID,
                                                          "group was deleted");
          return;
        }
        machine.expireMembers(db.serverStartedMs());
        moved = machine.completeJoin();
        step.response = machine.joinResult(step.member_id, step.joined_generation);
      });
      if (moved) changes_.notify();
    }
    return *step.response;
  });
}

rpc::SyncGroupResponse GroupCoordinator::sync(const rpc::SyncGroupRequest& request) {
  validateGroupId(request.group_id);
  return guarded<rpc::SyncGroupResponse>([&]() -> rpc::SyncGroupResponse {
    std::optional<rpc::SyncGroupResponse> response;
    uint64_t seen = changes_.sequence();
    auto deadline = SteadyClock::now() + std::chrono::milliseconds(kMaxRebalanceTimeoutMs);
    auto backoff = std::chrono::milliseconds(5);
    bool first = true;
    while (!response) {
      if (!first && !waitForChange(seen, backoff, deadline)) {
        return failure<rpc::SyncGroupResponse>(rpc::ErrorCode::COORDINATOR_NOT_AVAILABLE,
                                               "sync did not complete here; sync again");
      }
      first = false;
      database_.mutate(request.group_id, false, [&](GroupState& group, DbConnection& db) {
        if (!group.exists) {
          response = failure<rpc::SyncGroupResponse>(
              rpc::ErrorCode::UNKNOWN_MEMBER_ID,
              fmt::format("group `{}` does not exist", request.group_id));
          return;
        }
        GroupStateMachine machine(group, nowMs());
        machine.expireMembers(db.serverStartedMs());
        auto before = group.state;
        response = machine.sync(request);
        if (group.state != before) changes_.notify();
      });
    }
    return *response;
  });
}

rpc::HeartbeatResponse GroupCoordinator::heartbeat(const rpc::HeartbeatRequest& request) {
  validateGroupId(request.group_id);
  return guarded<rpc::HeartbeatResponse>([&]() -> rpc::HeartbeatResponse {
    rpc::HeartbeatResponse response;
    database_.mutate(request.group_id, false, [&](GroupState& group, DbConnection& db) {
      if (!group.exists) {
        response = failure<rpc::HeartbeatResponse>(
            rpc::ErrorCode::UNKNOWN_MEMBER_ID,
            fmt::format("group `{}` does not exist", request.group_id));
        return;
      }
      GroupStateMachine machine(group, nowMs());
      bool lost = !machine.expireMembers(db.serverStartedMs()).empty();
      bool moved = machine.completeJoin();
      response = machine.heartbeat(request);
      if (lost || moved) changes_.notify();
    });
    return response;
  });
}

rpc::LeaveGroupResponse GroupCoordinator::leave(const rpc::LeaveGroupRequest& request) {
  validateGroupId(request.group_id);
  return guarded<rpc::LeaveGroupResponse>([&]() -> rpc::LeaveGroupResponse {
    rpc::LeaveGroupResponse response;
    database_.mutate(request.group_id, false, [&](GroupState& group, DbConnection& db) {
      if (!group.exists) {
        response = failure<rpc::LeaveGroupResponse>(
            rpc::ErrorCode::UNKNOWN_MEMBER_ID,
            fmt::format("group `{}` does not exist", request.group_id));
        return;
      }
      GroupStateMachine machine(group, nowMs());
      machine.expireMembers(db.serverStartedMs());
      response = machine.leave(request);
      machine.completeJoin();
    });
    changes_.notify();
    return response;
  });
}

rpc::CommitOffsetsResponse GroupCoordinator::commit(const rpc::CommitOffsetsRequest& request) {
  validateGroupId(request.group_id);
  if (request.offsets.empty()) throwError(rpc::ErrorCode::INVALID_REQUEST, "no offsets");
  for (const auto& offset : request.offsets) {
    topology_.route(offset.topic, offset.partition);  // names an unknown topic/partition
    if (offset.offset < 0) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("offset {} for partition {} of `{}` is negative", offset.offset,
                             offset.partition, offset.topic));
    }
    if (offset.metadata.size() > 4096) {
      throwError(rpc::ErrorCode::INVALID_REQUEST, "commit metadata is longer than 4096 bytes");
    }
  }
  return guarded<rpc::CommitOffsetsResponse>([&]() -> rpc::CommitOffsetsResponse {
    rpc::CommitOffsetsResponse response;
    response.error = rpc::ErrorCode::NONE;
    database_.mutate(
        request.group_id, request.generation_id < 0, [&](GroupState& group, DbConnection&) {
          if (!group.exists) {
            response = failure<rpc::CommitOffsetsResponse>(
                rpc::ErrorCode::UNKNOWN_MEMBER_ID,
                fmt::format("group `{}` does not exist", request.group_id));
            return;
          }
          GroupStateMachine machine(group, nowMs());
          GroupError problem = machine.checkCommit(request);
          if (problem) {
            response = failure<rpc::CommitOffsetsResponse>(problem.code, problem.message);
            return;
          }
          group.commits = request.offsets;
        });
    return response;
  });
}

rpc::FetchOffsetsResponse GroupCoordinator::fetchOffsets(const rpc::FetchOffsetsRequest& request) {
  validateGroupId(request.group_id);
  return guarded<rpc::FetchOffsetsResponse>([&]() -> rpc::FetchOffsetsResponse {
    rpc::FetchOffsetsResponse response;
    response.error = rpc::ErrorCode::NONE;
    response.offsets = database_.fetchOffsets(request.group_id, request.partitions);
    return response;
  });
}

std::vector<rpc::GroupSummary> GroupCoordinator::list() { return database_.listGroups(); }

rpc::DescribeGroupResponse GroupCoordinator::describe(const std::string& group_id) {
  validateGroupId(group_id);
  rpc::DescribeGroupResponse response;
  response.error = rpc::ErrorCode::NONE;
  GroupState group = database_.load(group_id);
  auto& d = response.group;
  d.group_id = group_id;
  if (!group.exists) {
    d.state = "Dead";
    return response;
  }
  d.state = groupStateName(group.state);
  d.generation_id = group.generation;
  d.protocol_name = group.protocol;
  d.leader_id = group.leader_id;
  for (const auto& [id, m] : group.members) {
    if (m.pending) continue;
    rpc::GroupMemberDescription member;
    member.member_id = id;
    if (m.instance_id) member.__set_group_instance_id(*m.instance_id);
    member.client_id = m.client_id;
    member.client_host = m.client_host;
    member.assignment = m.assignment;
    member.last_heartbeat_ms = m.last_heartbeat_ms;
    if (!m.protocols.empty()) member.topics = m.protocols.front().subscription.topics;
    d.members.push_back(std::move(member));
  }
  d.offsets = database_.fetchOffsets(group_id, {});
  return response;
}

void GroupCoordinator::remove(const std::string& group_id) {
  validateGroupId(group_id);
  database_.mutate(group_id, false, [&](GroupState& group, DbConnection& db) {
    if (!group.exists) {
      throwError(rpc::ErrorCode::UNKNOWN_GROUP, fmt::format("unknown group `{}`", group_id));
    }
    GroupStateMachine machine(group, nowMs());
    machine.expireMembers(db.serverStartedMs());
    for (const auto& [id, m] : group.members) {
      if (!m.pending) {
        throwError(rpc::ErrorCode::GROUP_NOT_EMPTY,
                   fmt::format("group `{}` has active members; stop them first", group_id));
      }
    }
    GroupStore::deleteGroup(db, group_id);
    group.exists = false;
  });
}

}  // namespace mq
