// Kafka OffsetCommit: commits a group's offsets through the group coordinator (generation fencing,
// and the log-end bound the Thrift door has). The coordinator commits all partitions or none, so
// one error code is repeated for every partition.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaOffsetCommit(KafkaRequest& request);

}  // namespace mq::kafka
