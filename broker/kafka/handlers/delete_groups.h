// Kafka DeleteGroups: deletes empty groups and their committed offsets (admin permission on the
// group, as mqctl group delete).
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaDeleteGroups(KafkaRequest& request);

}  // namespace mq::kafka
