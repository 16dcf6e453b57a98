// Kafka CreateTopics: creates topics through the metaserver (topic_admin.h), or with
// validate_only checks that they could be created and creates nothing. Replication factor
// -1 or 1 (storage is MariaDB: there are no replicas), no replica assignments, partitions -1
// (the default, 1) or 1..1024, configs from topic_configs.h; admin permission on the topic.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaCreateTopics(KafkaRequest& request);

}  // namespace mq::kafka
