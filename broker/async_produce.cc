#include "broker/async_produce.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <string>
#include <utility>

#include "common/log.h"
#include "server/rpc_limits.h"

namespace mq {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TMessageType;
using apache::thrift::transport::TMemoryBuffer;

namespace {

std::string encodeReply(int32_t seqid, BrokerService::ProduceAnswer answer) {
  rpc::Broker_produce_result result;
  if (answer.error) {
    result.error = std::move(*answer.error);
    result.__isset.error = true;
  } else {
    result.success = std::move(answer.response);
    result.__isset.success = true;
  }
  auto out = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol protocol(out);
  protocol.writeMessageBegin("produce", apache::thrift::protocol::T_REPLY, seqid);
  result.write(&protocol);
  protocol.writeMessageEnd();
  return out->getBufferAsString();
}

}  // namespace

EventRpcServer::AsyncMethod asyncProduceMethod(std::shared_ptr<BrokerService> service) {
  return [service](std::string message, EventRpcServer::Reply reply, WorkerPool& pool) {
    auto args = std::make_shared<rpc::Broker_produce_args>();
    int32_t seqid = 0;
    try {
      auto in = std::make_shared<TMemoryBuffer>(reinterpret_cast<uint8_t*>(message.data()),
                                                static_cast<uint32_t>(message.size()));
      // The decoding limits of every server (server/rpc_limits.h).
      TBinaryProtocol protocol(in, kRpcMaxStringBytes, kRpcMaxContainerSize, true, true);
      std::string name;
      TMessageType type;
      protocol.readMessageBegin(name, type, seqid);
      args->read(&protocol);
      protocol.readMessageEnd();
    } catch (const std::exception& e) {
      logDebug("thrift").kv("detail", e.what()).kv("method", "produce");
      return reply("", 0);
    }
    // Encodes and sends the answer; holds the request, which produceAsync reads until then.
    auto answer = [args, seqid, reply](BrokerService::ProduceAnswer result) {
      const int64_t mute_ms = result.mute_ms;
      std::string encoded;
      try {
        encoded = encodeReply(seqid, std::move(result));
      } catch (const std::exception& e) {
        logError("cannot encode a produce reply; closing its connection").kv("error", e.what());
      }
      reply(std::move(encoded), mute_ms);
    };
    // On the loop thread, unless it may wait for a metadata read first.
    if (!service->produceMayWait(args->request)) {
      return service->produceAsync(args->request, std::move(answer));
    }
    pool.post([service, args, answer] { service->produceAsync(args->request, answer); });
  };
}

}  // namespace mq
