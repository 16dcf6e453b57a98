#include "client/group_membership.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "client/error.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq::client {

namespace {

using namespace std::chrono_literals;

std::vector<rpc::TopicPartitions> toWire(const std::vector<TopicPartition>& partitions) {
  std::map<std::string, std::vector<int>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  std::vector<rpc::TopicPartitions> wire;
  for (auto& [topic, numbers] : by_topic) {
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    rpc::TopicPartitions entry;
    entry.topic = topic;
    entry.partitions = numbers;
    wire.push_back(std::move(entry));
  }
  return wire;
}

ClientConfig heartbeatConfig(ClientConfig config, const GroupSettings& settings) {
  config.request_timeout_ms = std::min<int64_t>(
      config.request_timeout_ms, std::max<int64_t>(500, settings.session_timeout_ms / 3));
  config.connect_timeout_ms = std::min(config.connect_timeout_ms, config.request_timeout_ms);
  return config;
}

}  // namespace

std::vector<TopicPartition> GroupMembership::fromWire(
    const std::vector<rpc::TopicPartitions>& wire) {
  std::vector<TopicPartition> partitions;
  for (const auto& entry : wire) {
    for (int p : entry.partitions) partitions.push_back(TopicPartition{entry.topic, p});
  }
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  return partitions;
}

Error GroupMembership::refusal(ErrorCode code, const std::string& message) {
  return Error(code, message.empty() ? errorCodeName(code) : message);
}

std::string encodeSubscriptionUserData(const PartitionCounts& counts) {
  std::string data = "v1";
  for (const auto& [topic, count] : counts) data += fmt::format(";{}={}", topic, count);
  return data;
}

GroupMembership::GroupMembership(GroupRpc& rpc, Cluster& cluster, GroupSettings settings)
    : rpc_(rpc),
      cluster_(cluster),
      settings_(std::move(settings)),
      heartbeat_cluster_(heartbeatConfig(cluster.config(), settings_)),
      heartbeat_rpc_(heartbeat_cluster_) {
  for (const auto& name : settings_.assignors) {
    if (auto assignor = makeAssignor(name)) assignors_.push_back(std::move(assignor));
  }
  last_poll_ = SteadyClock::now();
  thread_ = std::thread([this] {
    nameThisThread("mq-group");
    CallCancelScope scope(calls_);
    run();
  });
}

GroupMembership::~GroupMembership() { stop(false); }

void GroupMembership::startJoin(JoinSubscription subscription) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::sort(subscription.topics.begin(), subscription.topics.end());
  join_request_ = std::move(subscription);
  state_ = State::kJoining;
  rejoin_needed_ = false;
  wake_.notify_all();
}

bool GroupMembership::joining() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ == State::kJoining;
}

bool GroupMembership::rejoinNeeded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rejoin_needed_;
}

void GroupMembership::requestRejoin(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!rejoin_needed_) {
    logInfo("group member will rejoin")
        .kv("group", settings_.group_id)
        .kv("member", member_id_)
        .kv("reason", reason);
  }
  rejoin_needed_ = true;
  rejoin_reason_ = reason;
  events_.notify_all();
}

std::optional<JoinedGeneration> GroupMembership::takeJoined() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto joined = std::move(joined_);
  joined_.reset();
  return joined;
}

bool GroupMembership::takeLost() {
  std::lock_guard<std::mutex> lock(mutex_);
  bool lost = lost_;
  lost_ = false;
  return lost;
}

bool GroupMembership::partitionsGone() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!stopping_) loseIfSessionRanOut(SteadyClock::now());
  return lost_ || fatal_.has_value();
}

std::optional<Error> GroupMembership::fatal() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fatal_;
}

std::optional<Error> GroupMembership::joinTrouble() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::kJoining) return std::nullopt;
  return join_trouble_;
}

bool GroupMembership::eventPending() const {
  return joined_ || lost_ || fatal_ || stopping_ || (rejoin_needed_ && state_ != State::kJoining);
}

void GroupMembership::waitForEvent(SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  events_.wait_until(lock, deadline, [&] { return eventPending(); });
}

void GroupMembership::waitUntilNotJoining(SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  events_.wait_until(lock, deadline, [&] { return state_ != State::kJoining || stopping_; });
}

void GroupMembership::notePoll() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_poll_ = SteadyClock::now();
}

ConsumerGroupMetadata GroupMembership::identity() const {
  std::lock_guard<std::mutex> lock(mutex_);
  ConsumerGroupMetadata identity;
  identity.group_id = settings_.group_id;
  identity.generation_id = state_ == State::kUnjoined ? -1 : generation_;
  identity.member_id = member_id_;
  identity.group_instance_id = settings_.instance_id.value_or("");
  identity.protocol = protocol_;
  return identity;
}

void GroupMembership::onCommitRefused(ErrorCode code, int generation, const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_ || state_ == State::kUnjoined) return;  // old news
  switch (code) {
    case ErrorCode::ILLEGAL_GENERATION:
    case ErrorCode::REBALANCE_IN_PROGRESS:
      if (state_ == State::kStable) {
        rejoin_needed_ = true;
        rejoin_reason_ = fmt::format("commit refused: {}", message);
        events_.notify_all();
      }
      break;
    case ErrorCode::UNKNOWN_MEMBER_ID:
      markLost(fmt::format("commit refused: {}", message));
      break;
    case ErrorCode::FENCED_INSTANCE_ID:
      markFatal(refusal(code, message));
      break;
    default:
      break;
  }
}

bool GroupMembership::loseIfSessionRanOut(SteadyClock::time_point now) {
  if (state_ != State::kStable ||
      now - last_contact_ <= std::chrono::milliseconds(settings_.session_timeout_ms)) {
    return false;
  }
  markLost(fmt::format(
      "no coordinator answered for session_timeout_ms ({} ms); the group has removed this "
      "member by now",
      settings_.session_timeout_ms));
  return true;
}

void GroupMembership::markLost(const std::string& reason) {
  logWarn("group member lost its partitions; rejoining")
      .kv("group", settings_.group_id)
      .kv("member", member_id_)
      .kv("generation", generation_)
      .kv("reason", reason);
  state_ = State::kUnjoined;
  generation_ = -1;
  member_id_.clear();  // a removed member joins again as a new one
  lost_ = true;
  rejoin_needed_ = true;
  rejoin_reason_ = reason;
  events_.notify_all();
}

void GroupMembership::markFatal(const Error& error) {
  logError("group member cannot continue")
      .kv("group", settings_.group_id)
      .kv("member", member_id_)
      .kv("error", error.what());
  state_ = State::kUnjoined;
  generation_ = -1;
  fatal_ = error;
  events_.notify_all();
}

void GroupMembership::backoff(int attempt) {
  auto pause = cluster_.retryPolicy().backoff(std::min(attempt, 10));
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, pause, [&] { return stopping_; });
}

void GroupMembership::stop(bool leave) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_all();
    events_.notify_all();
  }
  calls_.cancel();  // a call the thread is retrying ends now; the leave goes from here
  if (leave) sendLeave("consumer closed");
  if (thread_.joinable()) thread_.join();
}

void GroupMembership::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto heartbeat_every = std::chrono::milliseconds(settings_.heartbeat_interval_ms);
  const auto refresh_every = std::chrono::milliseconds(settings_.metadata_refresh_ms);
  const auto max_poll = std::chrono::milliseconds(settings_.max_poll_interval_ms);
  const auto session = std::chrono::milliseconds(settings_.session_timeout_ms);
  // After a cooperative rebalance a follow-up rebalance is likely (members that revoked
  // partitions rejoin at once); heartbeating ten times as often for one interval lets
  // every member notice it in a fraction of heartbeat_interval_ms instead of up to all of
  // it. Costs at most ten extra heartbeats per member per rebalance.
  const auto fast_every = std::max<SteadyClock::duration>(heartbeat_every / 10, 50ms);
  auto fast_until = SteadyClock::now();
  auto next_heartbeat = SteadyClock::now() + heartbeat_every;
  auto next_metadata = SteadyClock::now() + refresh_every;
  while (!stopping_) {
    if (join_request_) {
      JoinSubscription subscription = std::move(*join_request_);
      join_request_.reset();
      lock.unlock();
      runJoin(subscription);
      lock.lock();
      const bool cooperative =
          std::any_of(assignors_.begin(), assignors_.end(), [&](const auto& assignor) {
            return protocol_ == assignor->name() &&
                   assignor->protocol() == RebalanceProtocol::kCooperative;
          });
      fast_until = cooperative ? SteadyClock::now() + heartbeat_every : SteadyClock::now();
      next_heartbeat = SteadyClock::now() + (cooperative ? fast_every : heartbeat_every);
      next_metadata = SteadyClock::now() + refresh_every;
      continue;
    }
    auto now = SteadyClock::now();
    if (state_ == State::kStable) {
      if (now - last_poll_ > max_poll) {
        lock.unlock();
        sendLeave("poll() was not called within max_poll_interval_ms");
        lock.lock();
        if (state_ == State::kStable) {
          markLost(
              fmt::format("poll() was not called within max_poll_interval_ms ({} ms); "
                          "left the group",
                          settings_.max_poll_interval_ms));
        }
        continue;
      }
      if (loseIfSessionRanOut(now)) continue;
      if (now >= next_heartbeat) {
        next_heartbeat = now + (now < fast_until ? fast_every : heartbeat_every);
        lock.unlock();
        heartbeatOnce();
        lock.lock();
        continue;
      }
      if (now >= next_metadata) {
        next_metadata = now + refresh_every;
        lock.unlock();
        checkMetadata();
        lock.lock();
        continue;
      }
    }
    auto wake = now + std::chrono::seconds(1);
    if (state_ == State::kStable) {
      wake = std::min({next_heartbeat, next_metadata,
                       last_poll_ + max_poll + std::chrono::milliseconds(1),
                       last_contact_ + session + std::chrono::milliseconds(1)});
    }
    wake_.wait_until(lock, wake, [&] { return stopping_ || join_request_.has_value(); });
  }
}

PartitionCounts GroupMembership::partitionCounts(const std::vector<std::string>& topics, bool* ok) {
  PartitionCounts counts;
  *ok = true;
  const auto deadline =
      SteadyClock::now() + std::chrono::milliseconds(settings_.request_timeout_ms);
  for (const auto& topic : topics) {
    try {
      counts[topic] = cluster_.topic(topic, /*force_refresh=*/true, deadline)->partition_count;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::UNKNOWN_TOPIC) {
        counts[topic] = 0;  // subscribed before it exists: picked up once created
      } else {
        *ok = false;
        logDebug("partition count lookup failed").kv("topic", topic).kv("error", e.what());
      }
    }
  }
  return counts;
}

std::vector<rpc::GroupProtocol> GroupMembership::protocols(const JoinSubscription& subscription,
                                                           const PartitionCounts& counts) const {
  std::vector<rpc::GroupProtocol> protocols;
  for (const auto& assignor : assignors_) {
    rpc::GroupProtocol protocol;
    protocol.name = assignor->name();
    protocol.subscription.topics = subscription.topics;
    if (assignor->usesOwnedPartitions()) {
      std::vector<TopicPartition> owned = subscription.owned;
      if (assignor->protocol() == RebalanceProtocol::kEager) {
        owned.insert(owned.end(), subscription.previously_owned.begin(),
                     subscription.previously_owned.end());
      }
      protocol.subscription.owned_partitions = toWire(owned);
    }
    protocol.subscription.user_data = encodeSubscriptionUserData(counts);
    protocols.push_back(std::move(protocol));
  }
  return protocols;
}

std::vector<rpc::MemberAssignment> GroupMembership::assign(const rpc::JoinGroupResponse& joined) {
  const PartitionAssignor* assignor = nullptr;
  for (const auto& candidate : assignors_) {
    if (joined.protocol_name == candidate->name()) assignor = candidate.get();
  }
  if (!assignor) {
    throw Error(ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                fmt::format("the coordinator chose assignor `{}`, which this member does not "
                            "support",
                            joined.protocol_name),
                false);
  }
  std::vector<AssignorMember> members;
  std::vector<std::string> topics;
  for (const auto& m : joined.members) {
    AssignorMember member;
    member.member_id = m.member_id;
    if (m.__isset.group_instance_id) member.instance_id = m.group_instance_id;
    member.topics = m.subscription.topics;
    member.owned = fromWire(m.subscription.owned_partitions);
    topics.insert(topics.end(), member.topics.begin(), member.topics.end());
    members.push_back(std::move(member));
  }
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  bool ok = true;
  PartitionCounts counts = partitionCounts(topics, &ok);
  if (!ok) {
    throw Error(ErrorCode::METADATA_UNAVAILABLE,
                "cannot read the partition counts of the group's topics", true);
  }
  GroupAssignment assignment = assignor->assign(counts, members);
  std::vector<rpc::MemberAssignment> wire;
  for (const auto& [member_id, partitions] : assignment) {
    rpc::MemberAssignment entry;
    entry.member_id = member_id;
    entry.partitions = toWire(partitions);
    wire.push_back(std::move(entry));
  }
  logInfo("assigned the group's partitions as leader")
      .kv("group", settings_.group_id)
      .kv("generation", joined.generation_id)
      .kv("assignor", joined.protocol_name)
      .kv("members", static_cast<int64_t>(members.size()));
  return wire;
}

void GroupMembership::heartbeatOnce() {
  rpc::HeartbeatRequest request;
  int generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kStable) return;
    request.member_id = member_id_;
    request.generation_id = generation_;
    generation = generation_;
  }
  request.header = rpc_.header();
  request.group_id = settings_.group_id;
  if (settings_.instance_id) request.__set_group_instance_id(*settings_.instance_id);
  rpc::HeartbeatResponse response;
  const auto sent = SteadyClock::now();
  try {
    response = heartbeat_rpc_.heartbeat(
        request, sent + std::chrono::milliseconds(settings_.heartbeat_interval_ms));
  } catch (const Error& e) {
    logDebug("heartbeat failed").kv("group", settings_.group_id).kv("error", e.what());
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_contact_ = std::max(last_contact_, sent);
  if (coordinator_paused_ && response.error != rpc::ErrorCode::METADATA_UNAVAILABLE) {
    coordinator_paused_ = false;
    logInfo("group coordination resumed").kv("group", settings_.group_id);
  }
  if (state_ != State::kStable || generation_ != generation) return;
  switch (response.error) {
    case rpc::ErrorCode::NONE:
      break;
    case rpc::ErrorCode::REBALANCE_IN_PROGRESS:
    case rpc::ErrorCode::ILLEGAL_GENERATION:
      if (!rejoin_needed_) {
        rejoin_needed_ = true;
        rejoin_reason_ = response.error_message;
        logInfo("group is rebalancing; rejoining at the next poll()")
            .kv("group", settings_.group_id)
            .kv("member", member_id_)
            .kv("generation", generation_);
        events_.notify_all();
      }
      break;
    case rpc::ErrorCode::UNKNOWN_MEMBER_ID:
      markLost(response.error_message);
      break;
    case rpc::ErrorCode::FENCED_INSTANCE_ID:
      markFatal(refusal(clientCode(response.error), response.error_message));
      break;
    case rpc::ErrorCode::METADATA_UNAVAILABLE:
      // The group's state is out of reach: no one can remove this member or move its
      // partitions meanwhile, so it keeps them (the answer counts as contact).
      if (!coordinator_paused_) {
        coordinator_paused_ = true;
        logWarn("group coordination paused; keeping the partitions")
            .kv("group", settings_.group_id)
            .kv("error", response.error_message);
      }
      break;
    default:
      logWarn("heartbeat refused")
          .kv("group", settings_.group_id)
          .kv("error", response.error_message);
      break;
  }
}

void GroupMembership::checkMetadata() {
  std::vector<std::string> topics;
  PartitionCounts sent;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    topics = topics_;
    sent = counts_sent_;
  }
  bool ok = true;
  PartitionCounts now = partitionCounts(topics, &ok);
  if (!ok || now == sent) return;
  std::string changes;
  for (const auto& [topic, count] : now) {
    auto before = sent.find(topic);
    int was = before == sent.end() ? 0 : before->second;
    if (was != count)
      changes += fmt::format("{}{}: {} -> {}", changes.empty() ? "" : ", ", topic, was, count);
  }
  requestRejoin(fmt::format("partition count changed ({})", changes));
}

void GroupMembership::sendLeave(const std::string& reason) {
  rpc::LeaveGroupRequest request;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (member_id_.empty()) return;
    request.member_id = member_id_;
  }
  request.header = rpc_.header();
  request.group_id = settings_.group_id;
  if (settings_.instance_id) request.__set_group_instance_id(*settings_.instance_id);
  try {
    auto response = rpc_.leave(
        request, SteadyClock::now() + std::chrono::milliseconds(settings_.request_timeout_ms));
    logInfo("left group")
        .kv("group", settings_.group_id)
        .kv("member", request.member_id)
        .kv("reason", reason)
        .kv("answer", errorName(response.error));
  } catch (const Error& e) {
    logWarn(
        "leaving the group failed; the coordinator removes the member after "
        "session_timeout_ms")
        .kv("group", settings_.group_id)
        .kv("error", e.what());
  }
}

}  // namespace mq::client
