// Kafka DescribeCluster: the cluster id, this broker as the controller and every live broker,
// as Metadata answers them (kafka_nodes.h). Any authenticated caller.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaDescribeCluster(KafkaRequest& request);

}  // namespace mq::kafka
