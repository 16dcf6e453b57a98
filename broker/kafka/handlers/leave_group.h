// Kafka LeaveGroup: one member (v0-2) or several (v3, by member id or instance id) leave through
// the group coordinator.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaLeaveGroup(KafkaRequest& request);

}  // namespace mq::kafka
