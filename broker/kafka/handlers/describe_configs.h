// Kafka DescribeConfigs: a topic's configs (topic_configs.h) from the broker's cached
// topology, and this broker's own; any authenticated caller may read them, as any token may
// describe a topic through the Thrift door. Other resource types (groups, loggers, client
// metrics) are INVALID_REQUEST.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaDescribeConfigs(KafkaRequest& request);

}  // namespace mq::kafka
