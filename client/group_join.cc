// GroupMembership's join: JoinGroup and SyncGroup rounds until a generation is joined
// (client/group_membership.h).
#include <algorithm>
#include <chrono>
#include <mutex>

#include "client/error.h"
#include "client/group_membership.h"
#include "client/group_rpc.h"
#include "common/errors.h"
#include "common/log.h"

namespace mq::client {

void GroupMembership::runJoin(const JoinSubscription& subscription) {
  JoinPlan plan;
  plan.subscription = subscription;
  plan.counts = partitionCounts(subscription.topics, &plan.counts_ok);
  plan.protocols = protocols(subscription, plan.counts);
  plan.join_wait_ms = std::max(settings_.rebalance_timeout_ms, settings_.session_timeout_ms) + 5000;
  plan.sync_wait_ms = settings_.rebalance_timeout_ms + settings_.session_timeout_ms;
  for (int attempt = 0;; ++attempt) {
    std::optional<JoinRound> round = joinRound(plan);
    if (!round) return;
    if (round->answered && round->joined.error == rpc::ErrorCode::MEMBER_ID_REQUIRED) {
      std::lock_guard<std::mutex> lock(mutex_);
      member_id_ = round->joined.member_id;
      continue;  // the second step of a dynamic member's first join
    }
    if (round->problem == ErrorCode::NONE && !syncRound(plan, *round)) return;
    JoinNext next;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      next = settleRound(plan, *round);
    }
    if (next == JoinNext::kDone) return;
    if (next == JoinNext::kAgainAfterBackoff) backoff(attempt);
  }
}

std::optional<GroupMembership::JoinRound> GroupMembership::joinRound(const JoinPlan& plan) {
  rpc::JoinGroupRequest request;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return std::nullopt;
    request.member_id = member_id_;
  }
  request.header = rpc_.header();
  request.group_id = settings_.group_id;
  if (settings_.instance_id) request.__set_group_instance_id(*settings_.instance_id);
  request.session_timeout_ms = static_cast<int32_t>(settings_.session_timeout_ms);
  request.rebalance_timeout_ms = static_cast<int32_t>(settings_.rebalance_timeout_ms);
  request.protocols = plan.protocols;
  request.client_host = settings_.client_host;
  const auto deadline =
      SteadyClock::now() + std::chrono::milliseconds(settings_.request_timeout_ms);

  JoinRound round;
  try {
    round.joined = rpc_.join(request, plan.join_wait_ms, deadline);
    round.answered = true;
    round.problem = clientCode(round.joined.error);
    round.problem_message = round.joined.error_message;
  } catch (const Error& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return std::nullopt;
    if (!e.retriable()) {
      markFatal(e);
      return std::nullopt;
    }
    logWarn("join failed; retrying").kv("group", settings_.group_id).kv("error", e.what());
    join_trouble_ = e;
  }
  return round;
}

bool GroupMembership::syncRound(const JoinPlan& plan, JoinRound& round) {
  const rpc::JoinGroupResponse& joined = round.joined;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    member_id_ = joined.member_id;
  }
  rpc::SyncGroupRequest sync;
  sync.header = rpc_.header();
  sync.group_id = settings_.group_id;
  sync.generation_id = joined.generation_id;
  sync.member_id = joined.member_id;
  if (settings_.instance_id) sync.__set_group_instance_id(*settings_.instance_id);
  try {
    if (joined.leader_id == joined.member_id) sync.assignments = assign(joined);
    auto synced =
        rpc_.sync(sync, plan.sync_wait_ms,
                  SteadyClock::now() + std::chrono::milliseconds(settings_.request_timeout_ms));
    round.problem = clientCode(synced.error);
    round.problem_message = synced.error_message;
    round.assignment = fromWire(synced.assignment);
  } catch (const Error& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    if (!e.retriable()) {
      markFatal(e);
      return false;
    }
    // Join again: if the rebalance completed meanwhile, the coordinator answers with the
    // current generation instead of starting another one.
    logWarn("sync failed; joining again").kv("group", settings_.group_id).kv("error", e.what());
    join_trouble_ = e;
    round.problem = ErrorCode::UNKNOWN;
  }
  return true;
}

GroupMembership::JoinNext GroupMembership::settleRound(const JoinPlan& plan, JoinRound& round) {
  const rpc::JoinGroupResponse& joined = round.joined;
  switch (round.problem) {
    case ErrorCode::NONE: {
      state_ = State::kStable;
      join_trouble_.reset();
      last_contact_ = SteadyClock::now();
      generation_ = joined.generation_id;
      protocol_ = joined.protocol_name;
      topics_ = plan.subscription.topics;
      if (plan.counts_ok) counts_sent_ = plan.counts;
      JoinedGeneration result;
      result.generation = joined.generation_id;
      result.member_id = joined.member_id;
      result.protocol = joined.protocol_name;
      result.leader = joined.leader_id == joined.member_id;
      result.assignment = std::move(round.assignment);
      logInfo("joined group")
          .kv("group", settings_.group_id)
          .kv("member", member_id_)
          .kv("generation", generation_)
          .kv("assignor", protocol_)
          .kv("leader", result.leader)
          .kv("partitions", static_cast<int64_t>(result.assignment.size()));
      joined_ = std::move(result);
      events_.notify_all();
      return JoinNext::kDone;
    }
    case ErrorCode::UNKNOWN_MEMBER_ID:
      if (!plan.subscription.owned.empty()) {
        // Removed while rejoining: what it owns may already be someone else's. The
        // application gives the partitions up, then joins again owning nothing.
        markLost(round.problem_message);
        return JoinNext::kDone;
      }
      member_id_.clear();
      return JoinNext::kAgain;
    case ErrorCode::REBALANCE_IN_PROGRESS:
    case ErrorCode::ILLEGAL_GENERATION:
      return JoinNext::kAgain;  // the group moved on while we synced: join again at once
    case ErrorCode::FENCED_INSTANCE_ID:
    case ErrorCode::INCONSISTENT_GROUP_PROTOCOL:
    case ErrorCode::INVALID_REQUEST:
    case ErrorCode::NOT_AUTHORIZED:
      markFatal(refusal(round.problem, round.problem_message));
      return JoinNext::kDone;
    default:
      if (round.answered && mq::isRetriable(wireCode(round.problem))) {
        join_trouble_ = refusal(round.problem, round.problem_message);
      }
      return JoinNext::kAgainAfterBackoff;
  }
}

}  // namespace mq::client
