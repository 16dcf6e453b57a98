// Topic administration through the Kafka door (CreateTopics, DeleteTopics, CreatePartitions)
// is the metaserver's, as in Kafka, where brokers forward it to the controller: the handlers
// send it to the broker's --metaserver through the client library's AdminClient, the path
// mqctl takes, with the Kafka connection's token. Validation, placement on datanodes, ACLs,
// the audit log and the delete grace period are therefore the metaserver's own; the broker
// checks the same rules (common/topic_name.h, the caller's grants) itself only to answer
// validate_only requests, and to give Kafka's exact error codes.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "broker/kafka/error_codes.h"
#include "broker/kafka/kafka_request.h"
#include "mq/client.h"

namespace mq::kafka {

// An AdminClient on the broker's metaserver that sends the session's token. `timeout_ms` is
// the Kafka request's (each metaserver call gets at most that long, at least 5 s). Throws
// MqError INVALID_CONFIG when the broker has no --metaserver.
std::unique_ptr<client::AdminClient> metaserverAdmin(const KafkaRequest& request,
                                                     int32_t timeout_ms);

// Throws KafkaRefusal INVALID_REPLICA_ASSIGNMENT: mq places partitions on datanodes itself.
[[noreturn]] void refuseReplicaAssignments();

// A per-topic Kafka error and message.
struct TopicAdminError {
  int16_t error_code = 0;
  std::optional<std::string> message;
};

// What a failure of topic administration (KafkaRefusal, MqError from the broker's own checks,
// mq::client::Error from the metaserver) says to a Kafka client. The metaserver's INVALID_REQUEST
// is `invalid_request_as` (INVALID_PARTITIONS for create and add partitions: the only field
// of theirs it can be about), its GROUP_NOT_EMPTY on delete GROUP_SUBSCRIBED_TO_TOPIC; a
// refused grant is TOPIC_AUTHORIZATION_FAILED, as Kafka answers these APIs per topic.
// Anything else is UNKNOWN_SERVER_ERROR, logged.
TopicAdminError topicAdminError(std::exception_ptr error, KafkaError invalid_request_as,
                                const char* api);

}  // namespace mq::kafka
