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
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "Broker.h"
#include "broker/broker_context.h"
#include "broker/fetch_answer.h"

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

  // Broker.produce without holding the calling thread (the event-driven server,
  // broker/async_produce.h): as produce(), but `done` gets the answer once the group
  // commits answered, on the thread that finished the work (a datanode writer). `request`
  // must stay alive until then; `done` must not throw.
  struct ProduceAnswer {
    rpc::ProduceResponse response;
    std::optional<rpc::MqError> error;  // set: the call's error instead of a response
    int64_t mute_ms = 0;                // quota: hold back the connection's next request
  };
  void produceAsync(const rpc::ProduceRequest& request, std::function<void(ProduceAnswer)> done);
  // Whether produceAsync(request) may wait for the metadata database before it queues the
  // batches (a topic or producer not cached yet); else it only computes.
  bool produceMayWait(const rpc::ProduceRequest& request);

  // Broker.fetch with the messages shared, not copied (broker/fetch_answer.h): what
  // fetch() answers before it copies them, for the processor that writes them to the wire
  // from where they are (broker/broker_processor.h). Throws MqError as fetch() does.
  FetchAnswer fetchShared(const rpc::FetchRequest& request);

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
  // The same charge; returns how long to hold the connection back (0: not).
  template <typename Response>
  int64_t charge(Response& response, const QuotaUsage& usage);

  // A call starts and ends (in_flight_, for waitIdle).
  void callStarts();
  void callEnds();
  // The error a call answers for an unexpected exception (logged).
  rpc::MqError unexpected(const char* method, const std::exception& e);

  BrokerContext& context_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
};

}  // namespace mq
