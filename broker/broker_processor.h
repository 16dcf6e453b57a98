// The Broker service's Thrift processor: the generated one, except that Broker.fetch's
// reply is written from where the fetched messages are held (broker/fetch_answer.h) instead
// of from copies in the generated response: a consumer that keeps up is answered from the
// broker's recent appends with each message copied once, into the reply. The bytes on the
// wire are the generated processor's.
#pragma once

#include <memory>
#include <string>

#include "Broker.h"
#include "broker/broker_service.h"

namespace mq {

class BrokerProcessor : public rpc::BrokerProcessor {
 public:
  explicit BrokerProcessor(std::shared_ptr<BrokerService> service);

 protected:
  bool dispatchCall(apache::thrift::protocol::TProtocol* in,
                    apache::thrift::protocol::TProtocol* out, const std::string& name,
                    int32_t seqid, void* call_context) override;

 private:
  // Broker.fetch, as the generated process_fetch does it (no event handler).
  void fetch(apache::thrift::protocol::TProtocol& in, apache::thrift::protocol::TProtocol& out,
             int32_t seqid);

  std::shared_ptr<BrokerService> service_;
};

}  // namespace mq
