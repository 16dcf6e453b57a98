// Kafka Produce: decodes each partition's RecordBatch v2 (CRC-32C checked, decompressed within
// bounds), authorizes, and delegates to the Thrift door's produce path
// (broker/handlers/produce_handler: validation, idempotence, group commit). acks=0 gets no
// response.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaProduce(KafkaRequest& request);

}  // namespace mq::kafka
