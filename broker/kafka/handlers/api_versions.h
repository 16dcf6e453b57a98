// Kafka ApiVersions: the APIs and versions this broker speaks (protocol/api_keys.h).
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaApiVersions(KafkaRequest& request);

}  // namespace mq::kafka
