// The Broker Thrift service: counts and times every call, refuses new calls while the
// broker drains, and turns unexpected exceptions into MqError UNKNOWN (logged) so that a
// bug in one request never takes the connection or the process down. Every call is
// authenticated first (access control, docs/security.md); group calls are authorized here,
// partition calls per partition by their handler. Served produce and fetch calls are charged
// to the quotas (QuotaEnforcer); a caller over one gets throttle_time_ms in the response and
// its connection is held back as long. The work itself is in handlers/, one file per RPC.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "Broker.h"
#include "broker/broker_context.h"

namespace mq {

class BrokerService : public rpc::BrokerIf {
 public:
  explicit BrokerService(BrokerContext& context) : context_(context) {}

  void produce(rpc::ProduceResponse& response, const rpc::ProduceRequest& request) override;
  void fetch(rpc::FetchResponse& response, const rpc::FetchRequest& request) override;
  void listOffsets(rpc::ListOffsetsResponse& response,
                   const rpc::ListOffsetsRequest& request) override;
  void metadata(rpc::MetadataResponse& response, const rpc::MetadataRequest& request) override;
  void initProducer(rpc::InitProducerResponse& response,
                    const rpc::InitProducerRequest& request) override;
  void joinGroup(rpc::JoinGroupResponse& response, const rpc::JoinGroupRequest& request) override;
  void syncGroup(rpc::SyncGroupResponse& response, const rpc::SyncGroupRequest& request) override;
  void heartbeat(rpc::HeartbeatResponse& response, const rpc::HeartbeatRequest& request) override;
  void leaveGroup(rpc::LeaveGroupResponse& response,
                  const rpc::LeaveGroupRequest& request) override;
  void commitOffsets(rpc::CommitOffsetsResponse& response,
                     const rpc::CommitOffsetsRequest& request) override;
  void fetchOffsets(rpc::FetchOffsetsResponse& response,
                    const rpc::FetchOffsetsRequest& request) override;
  void listGroups(std::vector<rpc::GroupSummary>& response,
                  const rpc::RequestHeader& header) override;
  void describeGroup(rpc::DescribeGroupResponse& response, const rpc::RequestHeader& header,
                     const std::string& group_id) override;
  void deleteGroup(const rpc::RequestHeader& header, const std::string& group_id) override;

  // Waits until no call is in progress, or the timeout; returns false on timeout.
  bool waitIdle(std::chrono::milliseconds timeout);

 private:
  // Authenticates the header (access control), then runs handler(caller).
  template <typename Response, typename Handler>
  void serve(const char* method, const rpc::RequestHeader& header, Response& response,
             Handler&& handler);

  // Charges a served request to the quotas; sets throttle_time_ms and holds back the
  // connection when the caller is over one.
  template <typename Response>
  void throttle(Response& response, const QuotaUsage& usage);

  BrokerContext& context_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
};

}  // namespace mq
