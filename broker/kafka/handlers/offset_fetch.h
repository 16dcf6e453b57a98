// Kafka OffsetFetch: a group's committed offsets, for the partitions asked or (null topics) all of
// them, from the group coordinator; -1 where nothing is committed.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaOffsetFetch(KafkaRequest& request);

}  // namespace mq::kafka
