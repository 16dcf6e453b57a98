#include "broker/kafka/handlers/init_producer_id.h"

#include "broker/handlers/init_producer_handler.h"
#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/init_producer_id.h"

namespace mq::kafka {

KafkaReply handleKafkaInitProducerId(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<InitProducerIdRequest>(request.body, version);
  InitProducerIdResponse response;
  if (decoded.transactional_id) {
    // No transactions (docs/kafka.md): a transactional producer stops here, clearly.
    response.error_code = code(KafkaError::kTransactionalIdAuthorizationFailed);
    return {encodeMessage(response, version)};
  }
  try {
    request.authenticate();
    rpc::InitProducerRequest init;
    init.header.client_id = request.clientId();
    auto issued = handleInitProducer(request.broker, init);
    response.producer_id = issued.producer_id;
    response.producer_epoch = issued.producer_epoch;
  } catch (const rpc::MqError& e) {
    response.error_code = code(toKafkaError(e.code));
  }
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
