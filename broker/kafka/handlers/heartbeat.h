// Kafka Heartbeat: delegates to the group coordinator; REBALANCE_IN_PROGRESS makes the member
// rejoin.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaHeartbeat(KafkaRequest& request);

}  // namespace mq::kafka
