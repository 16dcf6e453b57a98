// Kafka InitProducerId: an idempotent producer's id and epoch, issued by the Thrift door's path
// (broker/handlers/init_producer_handler). A transactional id is refused (no transactions).
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaInitProducerId(KafkaRequest& request);

}  // namespace mq::kafka
