#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

Caller KafkaRequest::authenticate() const {
  rpc::RequestHeader header;
  header.client_id = clientId();
  if (session.token) header.__set_auth_token(*session.token);
  return broker.access.authenticate(header);
}

std::string KafkaRequest::quotaClient(const Caller& caller) const {
  return caller.principal() != nullptr ? caller.principal()->name : clientId();
}

}  // namespace mq::kafka
