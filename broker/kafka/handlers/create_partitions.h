// Kafka CreatePartitions: raises a topic's partition count to the total asked for, through
// the metaserver's addPartitions (topic_admin.h), or with validate_only only checks that it
// could. Admin permission on the cluster, as `mqctl topic add-partitions`; no replica
// assignments; a total at most the current count or above 1024 is INVALID_PARTITIONS.
// Two clients raising the same topic at once may together add more than either asked.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaCreatePartitions(KafkaRequest& request);

}  // namespace mq::kafka
