#include "broker/broker_processor.h"

#include <thrift/TApplicationException.h>

#include <utility>

namespace mq {

using apache::thrift::TApplicationException;
using apache::thrift::protocol::T_EXCEPTION;
using apache::thrift::protocol::T_REPLY;
using apache::thrift::protocol::TProtocol;

BrokerProcessor::BrokerProcessor(std::shared_ptr<BrokerService> service)
    : rpc::BrokerProcessor(service), service_(std::move(service)) {}

bool BrokerProcessor::dispatchCall(TProtocol* in, TProtocol* out, const std::string& name,
                                   int32_t seqid, void* call_context) {
  if (name != "fetch") {
    return rpc::BrokerProcessor::dispatchCall(in, out, name, seqid, call_context);
  }
  fetch(*in, *out, seqid);
  return true;
}

void BrokerProcessor::fetch(TProtocol& in, TProtocol& out, int32_t seqid) {
  rpc::Broker_fetch_args args;
  args.read(&in);
  in.readMessageEnd();
  in.getTransport()->readEnd();

  auto send = [&](auto&& write) {
    write();
    out.writeMessageEnd();
    out.getTransport()->writeEnd();
    out.getTransport()->flush();
  };
  FetchAnswer answer;
  try {
    answer = service_->fetchShared(args.request);
  } catch (const rpc::MqError& error) {
    rpc::Broker_fetch_result result;
    result.error = error;
    result.__isset.error = true;
    return send([&] {
      out.writeMessageBegin("fetch", T_REPLY, seqid);
      result.write(&out);
    });
  } catch (const std::exception& e) {
    return send([&] {
      out.writeMessageBegin("fetch", T_EXCEPTION, seqid);
      TApplicationException(e.what()).write(&out);
    });
  }
  send([&] {
    out.writeMessageBegin("fetch", T_REPLY, seqid);
    writeFetchResult(out, answer);
  });
}

}  // namespace mq
