// The consumer-group RPCs as the client makes them. Any broker coordinates any group (the
// state is in the metadata database), so each call goes to a broker picked by the Cluster
// and, on a transport error or COORDINATOR_NOT_AVAILABLE, is sent again unchanged (same
// member id) to another broker. Expected refusals (ILLEGAL_GENERATION, ...) come back in
// the response's `error`; only failing to get an answer at all throws.
// Thread-safe (every call leases its own connection).
#pragma once

#include <string>
#include <vector>

#include "client/cluster.h"

namespace mq::client {

class GroupRpc {
 public:
  explicit GroupRpc(Cluster& cluster) : cluster_(cluster) {}

  // `wait_ms`: how long the coordinator may hold the call (the join barrier, a follower's
  // sync); added to the request timeout. Throw Error after the Cluster's retries or at
  // `deadline`.
  rpc::JoinGroupResponse join(const rpc::JoinGroupRequest& request, int64_t wait_ms,
                              SteadyClock::time_point deadline);
  rpc::SyncGroupResponse sync(const rpc::SyncGroupRequest& request, int64_t wait_ms,
                              SteadyClock::time_point deadline);
  rpc::HeartbeatResponse heartbeat(const rpc::HeartbeatRequest& request,
                                   SteadyClock::time_point deadline);
  rpc::LeaveGroupResponse leave(const rpc::LeaveGroupRequest& request,
                                SteadyClock::time_point deadline);
  rpc::CommitOffsetsResponse commit(const rpc::CommitOffsetsRequest& request,
                                    SteadyClock::time_point deadline);
  rpc::FetchOffsetsResponse fetchOffsets(const rpc::FetchOffsetsRequest& request,
                                         SteadyClock::time_point deadline);
  std::vector<rpc::GroupSummary> list(SteadyClock::time_point deadline);
  rpc::DescribeGroupResponse describe(const std::string& group_id,
                                      SteadyClock::time_point deadline);
  // Throws Error(UNKNOWN_GROUP) or Error(GROUP_NOT_EMPTY) as the coordinator answers.
  void remove(const std::string& group_id, SteadyClock::time_point deadline);

  rpc::RequestHeader header() const { return cluster_.requestHeader(); }

 private:
  // Runs `fn(client, response)` through Cluster::withBroker; a response whose error is
  // COORDINATOR_NOT_AVAILABLE counts as a retriable failure of that broker.
  template <typename Response, typename Fn>
  Response call(Fn&& fn, int64_t wait_ms, SteadyClock::time_point deadline);

  Cluster& cluster_;
};

}  // namespace mq::client
