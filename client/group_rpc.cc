#include "client/group_rpc.h"

#include <fmt/format.h>

#include "client/error.h"

namespace mq::client {

namespace {

// Responses with an `error` field are checked for COORDINATOR_NOT_AVAILABLE; the others
// (lists, void) have nothing to check.
template <typename Response>
auto coordinatorUnavailable(const Response& response, int)
    -> decltype(response.error, std::optional<std::string>()) {
  if (response.error != rpc::ErrorCode::COORDINATOR_NOT_AVAILABLE) return std::nullopt;
  return response.error_message;
}

template <typename Response>
std::optional<std::string> coordinatorUnavailable(const Response&, long) {
  return std::nullopt;
}

}  // namespace

template <typename Response, typename Fn>
Response GroupRpc::call(Fn&& fn, int64_t wait_ms, SteadyClock::time_point deadline) {
  Response response;
  cluster_.withBroker(
      [&](BrokerConnection& connection) {
        connection.call([&](rpc::BrokerClient& client) { fn(client, response); }, wait_ms);
        if (auto problem = coordinatorUnavailable(response, 0)) {
          throw Error(ErrorCode::COORDINATOR_NOT_AVAILABLE,
                      fmt::format("coordinator not available: {}", *problem), true);
        }
      },
      deadline);
  return response;
}

rpc::JoinGroupResponse GroupRpc::join(const rpc::JoinGroupRequest& request, int64_t wait_ms,
                                      SteadyClock::time_point deadline) {
  return call<rpc::JoinGroupResponse>(
      [&](rpc::BrokerClient& client, rpc::JoinGroupResponse& response) {
        client.joinGroup(response, request);
      },
      wait_ms, deadline);
}

rpc::SyncGroupResponse GroupRpc::sync(const rpc::SyncGroupRequest& request, int64_t wait_ms,
                                      SteadyClock::time_point deadline) {
  return call<rpc::SyncGroupResponse>(
      [&](rpc::BrokerClient& client, rpc::SyncGroupResponse& response) {
        client.syncGroup(response, request);
      },
      wait_ms, deadline);
}

rpc::HeartbeatResponse GroupRpc::heartbeat(const rpc::HeartbeatRequest& request,
                                           SteadyClock::time_point deadline) {
  return call<rpc::HeartbeatResponse>(
      [&](rpc::BrokerClient& client, rpc::HeartbeatResponse& response) {
        client.heartbeat(response, request);
      },
      0, deadline);
}

rpc::LeaveGroupResponse GroupRpc::leave(const rpc::LeaveGroupRequest& request,
                                        SteadyClock::time_point deadline) {
  return call<rpc::LeaveGroupResponse>(
      [&](rpc::BrokerClient& client, rpc::LeaveGroupResponse& response) {
        client.leaveGroup(response, request);
      },
      0, deadline);
}

rpc::CommitOffsetsResponse GroupRpc::commit(const rpc::CommitOffsetsRequest& request,
                                            SteadyClock::time_point deadline) {
  return call<rpc::CommitOffsetsResponse>(
      [&](rpc::BrokerClient& client, rpc::CommitOffsetsResponse& response) {
        client.commitOffsets(response, request);
      },
      0, deadline);
}

rpc::FetchOffsetsResponse GroupRpc::fetchOffsets(const rpc::FetchOffsetsRequest& request,
                                                 SteadyClock::time_point deadline) {
  return call<rpc::FetchOffsetsResponse>(
      [&](rpc::BrokerClient& client, rpc::FetchOffsetsResponse& response) {
        client.fetchOffsets(response, request);
      },
      0, deadline);
}

std::vector<rpc::GroupSummary> GroupRpc::list(SteadyClock::time_point deadline) {
  const auto request_header = header();
  return call<std::vector<rpc::GroupSummary>>(
      [&](rpc::BrokerClient& client, std::vector<rpc::GroupSummary>& response) {
        client.listGroups(response, request_header);
      },
      0, deadline);
}

rpc::DescribeGroupResponse GroupRpc::describe(const std::string& group_id,
                                              SteadyClock::time_point deadline) {
  const auto request_header = header();
  return call<rpc::DescribeGroupResponse>(
      [&](rpc::BrokerClient& client, rpc::DescribeGroupResponse& response) {
        client.describeGroup(response, request_header, group_id);
      },
      0, deadline);
}

void GroupRpc::remove(const std::string& group_id, SteadyClock::time_point deadline) {
  const auto request_header = header();
  struct Nothing {};
  call<Nothing>(
      [&](rpc::BrokerClient& client, Nothing&) { client.deleteGroup(request_header, group_id); }, 0,
      deadline);
}

}  // namespace mq::client
