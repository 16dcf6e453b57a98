// Kafka Metadata: the live brokers with a Kafka listener and the requested topics, each partition
// led by one of them (kafka_nodes.h), from the broker's cached topology. Unknown topics answer
// UNKNOWN_TOPIC_OR_PARTITION; topics are never created by it.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaMetadata(KafkaRequest& request);

}  // namespace mq::kafka
