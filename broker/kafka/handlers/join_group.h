// Kafka JoinGroup: a member joins a group: the Kafka consumer protocol's subscriptions are decoded
// (protocol/consumer_protocol.h) and the join goes to the group coordinator the Thrift door uses
// (broker/group/). Clients before v4 never saw MEMBER_ID_REQUIRED, so for them the first join is
// repeated here with the id the coordinator gave.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaJoinGroup(KafkaRequest& request);

}  // namespace mq::kafka
