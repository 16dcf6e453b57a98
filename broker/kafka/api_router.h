// Routes a Kafka request to its API's handler (broker/kafka/handlers/, one file per API).
// The server has checked the API and version against protocol/api_keys.h.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

// Throws KafkaDecodeError when the body cannot be decoded (the connection is closed).
KafkaReply dispatchKafkaRequest(KafkaRequest& request);

}  // namespace mq::kafka
