// Kafka DescribeGroups: each group's state, assignor and members, with the members' subscriptions
// and assignments encoded in the Kafka consumer protocol.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaDescribeGroups(KafkaRequest& request);

}  // namespace mq::kafka
