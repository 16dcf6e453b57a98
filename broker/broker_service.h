// The Broker Thrift service: counts and times every call, refuses new calls while the
// broker drains, and turns unexpected exceptions into MqError UNKNOWN (logged) so that a
// bug in one request never takes the connection or the process down. The work itself is
// in handlers/, one file per RPC.
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

  // Waits until no call is in progress, or the timeout; returns false on timeout.
  bool waitIdle(std::chrono::milliseconds timeout);

 private:
  template <typename Response, typename Handler>
  void serve(const char* method, Response& response, Handler&& handler);

  BrokerContext& context_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
};

}  // namespace mq
