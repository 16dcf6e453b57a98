// Kafka ListGroups: the groups the caller may consume in, with their state (v4 filters by state).
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaListGroups(KafkaRequest& request);

}  // namespace mq::kafka
