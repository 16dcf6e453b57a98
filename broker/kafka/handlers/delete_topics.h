// Kafka DeleteTopics: deletes topics through the metaserver (topic_admin.h) as `mqctl topic
// delete` does: admin permission on the cluster; refused while a group with members
// subscribes to the topic or committed on it recently (GROUP_SUBSCRIBED_TO_TOPIC); the
// topic is gone at once, its tables are dropped after the metaserver's grace period.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaDeleteTopics(KafkaRequest& request);

}  // namespace mq::kafka
