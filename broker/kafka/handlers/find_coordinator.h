// Kafka FindCoordinator: every mq broker coordinates every group (group state lives in the
// metadata database, broker/group/), so a group's coordinator is the broker asked. There is
// no transaction coordinator (docs/kafka.md: transactions are refused).
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaFindCoordinator(KafkaRequest& request);

}  // namespace mq::kafka
