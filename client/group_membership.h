// The member side of the consumer-group protocol, run by one background thread per
// subscribed Consumer:
// - joins when the application asks (JoinGroup with the two-step MEMBER_ID_REQUIRED
//   handshake for dynamic members, then SyncGroup; the leader runs the assignor);
// - heartbeats every heartbeat_interval_ms and turns the answers into requests to
//   rejoin (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION), lost partitions
//   (UNKNOWN_MEMBER_ID) or a fatal error (FENCED_INSTANCE_ID);
// - leaves the group when the application has not polled for max_poll_interval_ms;
// - gives its partitions up as lost when no coordinator answered for session_timeout_ms
//   (the group has removed it by then), so a member cut off from every broker does not
//   go on consuming partitions that now belong to others; an answer of
//   METADATA_UNAVAILABLE (the metadata database is down: the group cannot change either)
//   is an answer, so members keep their partitions through such an outage;
// - re-reads the subscribed topics' partition counts every metadata_refresh_ms and asks
//   for a rejoin when one changed.
// The application thread (Consumer::poll) consumes the resulting events and calls the
// RebalanceListener; this thread never touches positions or callbacks. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/assignors/assignor.h"
#include "client/call_cancel.h"
#include "client/group_rpc.h"

namespace mq::client {

struct GroupSettings {
  std::string group_id;
  std::optional<std::string> instance_id;
  int64_t session_timeout_ms = 10000;
  int64_t heartbeat_interval_ms = 3000;
  int64_t rebalance_timeout_ms = 60000;
  int64_t max_poll_interval_ms = 300000;
  int64_t metadata_refresh_ms = 30000;
  int64_t request_timeout_ms = 30000;
  std::vector<std::string> assignors;  // known names, preferred first
  std::string client_host;
};

// What the member tells the group when it joins.
struct JoinSubscription {
  std::vector<std::string> topics;
  // Partitions it keeps consuming while rejoining (cooperative).
  std::vector<TopicPartition> owned;
  // Partitions it gave up right before this join (eager): reported to the "sticky"
  // assignor so that it can keep them in place.
  std::vector<TopicPartition> previously_owned;
};

// A completed join + sync.
struct JoinedGeneration {
  int generation = -1;
  std::string member_id;
  std::string protocol;
  bool leader = false;
  std::vector<TopicPartition> assignment;  // sorted
};

class GroupMembership {
 public:
  // Starts the background thread. `rpc` must outlive this object.
  GroupMembership(GroupRpc& rpc, Cluster& cluster, GroupSettings settings);
  // stop(false).
  ~GroupMembership();

  // Starts a join with `subscription` in the background. REQUIRES: !joining().
  void startJoin(JoinSubscription subscription);
  bool joining() const;
  // True when the member must rejoin (a rebalance started, the generation or the
  // partition counts changed, a commit was refused) or has never joined.
  bool rejoinNeeded() const;
  void requestRejoin(const std::string& reason);

  // Events for the application, each returned once.
  std::optional<JoinedGeneration> takeJoined();
  // True once after the member was removed from the group (its partitions may already
  // belong to others): they must be given up without committing.
  bool takeLost();
  // True when takeLost() or fatal() has something: the partitions must not be used. Also
  // marks the member lost once session_timeout_ms has passed since the last heartbeat a
  // coordinator answered was sent, even if the heartbeat thread has not woken to notice:
  // from then on the coordinator may have given the partitions to another member.
  bool partitionsGone();
  // Set when the member cannot go on (fenced, bad group settings); stays set.
  std::optional<Error> fatal() const;
  // While a join is in flight: the retriable error its last attempt failed with (no
  // coordinator answered, or it answered e.g. METADATA_UNAVAILABLE); unset otherwise.
  std::optional<Error> joinTrouble() const;
  // Waits until an event is pending or `deadline`.
  void waitForEvent(SteadyClock::time_point deadline);
  // Waits until no join is in flight, or `deadline`.
  void waitUntilNotJoining(SteadyClock::time_point deadline);

  // The application called poll(): restarts the max_poll_interval_ms clock.
  void notePoll();
  // The identity commits carry now: generation -1 while not in a generation.
  ConsumerGroupMetadata identity() const;
  // A commit sent as `generation` was refused with `code`: rejoin, lose the partitions or
  // become fatal, as the code says.
  void onCommitRefused(ErrorCode code, int generation, const std::string& message);

  // Stops the background thread; with `leave`, first sends LeaveGroup (which also ends a
  // join waiting at the coordinator). Idempotent.
  void stop(bool leave);

 private:
  enum class State { kUnjoined, kJoining, kStable };

  // What one join needs through all its rounds (group_join.cc).
  struct JoinPlan {
    JoinSubscription subscription;
    PartitionCounts counts;
    bool counts_ok = true;
    std::vector<rpc::GroupProtocol> protocols;
    int64_t join_wait_ms = 0;  // the coordinator may hold a join until every member rejoined
    int64_t sync_wait_ms = 0;  // and a follower's sync until the leader has assigned
  };
  // One round: JoinGroup, then SyncGroup. A failed call counts as a retriable refusal.
  struct JoinRound {
    bool answered = false;  // JoinGroup got an answer
    rpc::JoinGroupResponse joined;
    ErrorCode problem = ErrorCode::UNKNOWN;  // NONE: joined and synced
    std::string problem_message;
    std::vector<TopicPartition> assignment;
  };
  enum class JoinNext { kDone, kAgain, kAgainAfterBackoff };

  void run();
  // Joins until a generation is joined, the member is lost or fatal, or stop().
  void runJoin(const JoinSubscription& subscription);
  // One round; nullopt when stopping or fatal (already marked).
  std::optional<JoinRound> joinRound(const JoinPlan& plan);
  // The SyncGroup of a round whose JoinGroup succeeded; false when stopping or fatal.
  bool syncRound(const JoinPlan& plan, JoinRound& round);
  // What the round's outcome means: joined (kDone), lost or fatal (kDone), or another round.
  // REQUIRES: mutex_ held.
  JoinNext settleRound(const JoinPlan& plan, JoinRound& round);
  void heartbeatOnce();
  void checkMetadata();
  void sendLeave(const std::string& reason);
  // The subscribed topics' partition counts (0: unknown topic); `ok` false if a lookup
  // failed for another reason.
  PartitionCounts partitionCounts(const std::vector<std::string>& topics, bool* ok);
  std::vector<rpc::GroupProtocol> protocols(const JoinSubscription& subscription,
                                            const PartitionCounts& counts) const;
  // The leader's SyncGroup assignments for the members of `joined`.
  std::vector<rpc::MemberAssignment> assign(const rpc::JoinGroupResponse& joined);

  // The partitions of a wire list, sorted, without duplicates.
  static std::vector<TopicPartition> fromWire(const std::vector<rpc::TopicPartitions>& wire);
  // A coordinator's refusal as an Error (the code's name when it sent no message).
  static Error refusal(ErrorCode code, const std::string& message);

  // REQUIRES: mutex_ held.
  void markLost(const std::string& reason);
  // REQUIRES: mutex_ held. Marks the member lost when it is in a generation and
  // session_timeout_ms has passed since last_contact_; returns whether it did.
  bool loseIfSessionRanOut(SteadyClock::time_point now);
  void markFatal(const Error& error);
  bool eventPending() const;
  void backoff(int attempt);

  GroupRpc& rpc_;
  Cluster& cluster_;
  const GroupSettings settings_;
  // Heartbeats go through their own connections with a reply timeout of a third of the
  // session, so that a hung broker cannot hold the heartbeat thread past the session.
  Cluster heartbeat_cluster_;
  GroupRpc heartbeat_rpc_;
  std::vector<std::unique_ptr<PartitionAssignor>> assignors_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;    // the background thread
  std::condition_variable events_;  // the application thread
  bool stopping_ = false;
  State state_ = State::kUnjoined;
  std::string member_id_;
  int generation_ = -1;
  std::string protocol_;
  std::optional<JoinSubscription> join_request_;
  std::vector<std::string> topics_;  // of the last join
  PartitionCounts counts_sent_;      // partition counts in the last join's user data
  bool rejoin_needed_ = true;
  std::string rejoin_reason_ = "not joined yet";
  std::optional<JoinedGeneration> joined_;
  bool lost_ = false;
  std::optional<Error> fatal_;
  std::optional<Error> join_trouble_;
  bool coordinator_paused_ = false;  // heartbeats answered METADATA_UNAVAILABLE
  SteadyClock::time_point last_poll_;
  // The last contact with a coordinator: when the last heartbeat it answered was sent (it
  // counted the member alive no earlier than that), or when a join completed. After
  // session_timeout_ms without one the group may have removed this member, so its
  // partitions are treated as lost.
  SteadyClock::time_point last_contact_;
  // The broker calls of thread_, abandoned by stop() (client/call_cancel.h).
  CallCancel calls_;
  std::thread thread_;
};

// The user data a member sends with its subscription: the partition counts it saw, so a
// member that notices added partitions changes its subscription and the rejoin starts a
// rebalance. "v1;orders=12;payments=4".
std::string encodeSubscriptionUserData(const PartitionCounts& counts);

}  // namespace mq::client
