// Kafka SyncGroup: the leader's assignments (Kafka consumer protocol bytes) are decoded and handed
// to the group coordinator; each member gets its own assignment back, encoded.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaSyncGroup(KafkaRequest& request);

}  // namespace mq::kafka
