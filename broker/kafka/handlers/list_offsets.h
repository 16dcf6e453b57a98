// Kafka ListOffsets: earliest (-2), latest (-1) or the first offset appended at or after a
// timestamp, through the Thrift door's list-offsets path (broker/handlers/list_offsets_handler).
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaListOffsets(KafkaRequest& request);

}  // namespace mq::kafka
