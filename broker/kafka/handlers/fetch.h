// Kafka Fetch: delegates to the Thrift door's fetch path (broker/handlers/fetch_handler: long-poll
// up to max_wait_ms) and rebuilds one RecordBatch v2 per partition from the rows; min_bytes,
// max_bytes and partition_max_bytes are honoured.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaFetch(KafkaRequest& request);

}  // namespace mq::kafka
