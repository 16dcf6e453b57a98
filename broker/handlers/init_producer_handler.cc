#include "broker/handlers/init_producer_handler.h"

#include <cppconn/exception.h>

#include "common/log.h"

namespace mq {

rpc::InitProducerResponse handleInitProducer(BrokerContext& context,
                                             const rpc::InitProducerRequest& request) {
  std::optional<std::string> name;
  if (request.__isset.producer_name) {
    if (request.producer_name.empty() || request.producer_name.size() > 255) {
      throwError(rpc::ErrorCode::INVALID_REQUEST, "producer_name must be 1 to 255 characters");
    }
    name = request.producer_name;
  }
  rpc::InitProducerResponse response;
  try {
    auto [id, epoch] = context.meta.initProducer(name);
    response.producer_id = id;
    response.producer_epoch = epoch;
    context.producer_epochs.remember(id, epoch);
  } catch (const sql::SQLException& e) {
    throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
               std::string("cannot issue a producer id: ") + e.what());
  }
  logInfo("producer initialised")
      .kv("producer_id", response.producer_id)
      .kv("epoch", static_cast<int>(response.producer_epoch))
      .kv("name", name.value_or(""))
      .kv("client", request.header.client_id);
  return response;
}

}  // namespace mq
